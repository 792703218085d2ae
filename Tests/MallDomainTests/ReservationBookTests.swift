import MallDomain
import Simulation
import SyncCore
import Testing

@Suite struct ReservationBookTests {
    func reservation(_ id: String, _ plate: String, _ status: Reservation.Status = .booked) -> Reservation {
        Reservation(id: id, memberID: "m-\(id)", plate: plate, zone: "B2", windowStart: 0, windowEnd: 1, status: status)
    }

    @Test func aPlateIsLiveWhileAnyOfItsReservationsIsBookedOrInside() {
        var book = ReservationBook([reservation("r1", "皖A12345"), reservation("r2", "皖A12345", .left)])
        #expect(book.livePlates.contains("皖A12345"))
        book.upsert(reservation("r1", "皖A12345", .cancelled))
        #expect(!book.livePlates.contains("皖A12345"))
        #expect(book.reservations(plate: "皖A12345").map(\.id) == ["r1", "r2"])
        book.upsert(reservation("r2", "皖A12345", .inside))
        #expect(book.livePlates.contains("皖A12345"))
    }

    @Test func changingAReservationsPlateMovesIt() {
        var book = ReservationBook([reservation("r1", "皖A12345")])
        book.upsert(reservation("r1", "沪B77777"))
        #expect(book.reservations(plate: "皖A12345").isEmpty)
        #expect(!book.livePlates.contains("皖A12345"))
        #expect(book.reservations(plate: "沪B77777").map(\.id) == ["r1"])
    }

    @Test func removingTheLastReservationOfAPlateForgetsThePlate() {
        var book = ReservationBook([reservation("r1", "皖A12345"), reservation("r2", "皖A12345")])
        book.remove(id: "r1")
        #expect(book.livePlates.contains("皖A12345"))
        book.remove(id: "r2")
        #expect(!book.livePlates.contains("皖A12345"))
        #expect(book.count == 0)
    }

    /// Random upserts and removals over a few ids, plates and statuses: after
    /// each, every plate is live exactly when some reservation on it is, and
    /// each plate lists exactly the reservations on it (the book as recomputed
    /// from its reservations alone).
    @Test func livenessAndPlatesFollowAnySequenceOfChanges() {
        let plates = ["皖A12345", "沪B77777", "京C00001"]
        var random = SeededRandom(seed: 7)
        for _ in 0..<200 {
            var book = ReservationBook()
            var model: [String: Reservation] = [:]
            for _ in 0..<40 {
                let id = "r\(random.next() % 5)"
                if random.next() % 4 == 0 {
                    book.remove(id: id)
                    model[id] = nil
                } else {
                    let statuses = Reservation.Status.allCases
                    let changed = reservation(
                        id, plates[Int(random.next() % 3)], statuses[Int(random.next() % UInt64(statuses.count))])
                    book.upsert(changed)
                    model[id] = changed
                }
                for plate in plates {
                    let on = model.values.filter { $0.plate == plate }
                    #expect(book.livePlates.contains(plate) == on.contains { $0.status.isLive })
                    #expect(Set(book.reservations(plate: plate).map(\.id)) == Set(on.map(\.id)))
                }
                #expect(book.count == model.count)
            }
        }
    }

    @Test func aRowThatNoLongerParsesTakesItsReservationOut() throws {
        var book = ReservationBook()
        let ref = RowRef(table: Reservation.table, key: "r1")
        try book.apply(
            ref,
            values: [
                "plate": .text("皖A12345"), "status": .text("booked"), "window_start": .int(0), "window_end": .int(1),
            ])
        #expect(book.livePlates.contains("皖A12345"))
        #expect(throws: RowProblem.self) {
            try book.apply(ref, values: ["plate": .text("皖A12345"), "status": .text("parked")])
        }
        #expect(book.count == 0 && !book.livePlates.contains("皖A12345"))
    }
}

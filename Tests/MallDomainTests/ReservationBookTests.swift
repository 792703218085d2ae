import MallDomain
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
}

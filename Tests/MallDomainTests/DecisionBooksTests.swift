import MallDomain
import SyncCore
import Testing

/// The mapping of replicated rows into the books decisions read: a row a
/// decision cannot use is refused with why and leaves the books, and never
/// traps (`mall-fuzz views` feeds it any value in any column).
@Suite struct DecisionBooksTests {
    static func booking(_ values: [String: Value] = [:]) -> [String: Value] {
        [
            "member_id": .text("m1"), "plate": .text("沪A·12345"), "zone": .text("B2"),
            "window_start": .int(1_000), "window_end": .int(2_000), "status": .text("booked"),
        ].merging(values) { $1 }
    }

    @Test func aBookingIsReadWithItsPlateNormalisedAndLeavesWhenDeleted() throws {
        var books = DecisionBooks()
        let ref = RowRef(table: "reservations", key: "r1")
        try books.apply(ref, values: Self.booking())
        #expect(books.reservations.byID["r1"]?.plate == "沪A12345")
        try books.apply(ref, values: [:])
        #expect(books.reservations.byID["r1"] == nil)
    }

    @Test(arguments: [
        ("window_start", Value.int(.min), "column window_start is not valid"),
        ("window_end", .int(.max), "column window_end is not valid"),
        ("plate", .text("###"), "plate:"),
        ("plate", .int(7), "column plate is not valid"),
        ("status", .text("teleported"), "column status is not valid"),
        ("window_start", .null, "column window_start is missing"),
    ])
    func aBookingADecisionCannotUseIsRefusedAndLeavesTheBook(column: String, value: Value, problem: String) throws {
        var books = DecisionBooks()
        let ref = RowRef(table: "reservations", key: "r1")
        try books.apply(ref, values: Self.booking())
        let error = #expect(throws: RowProblem.self) { try books.apply(ref, values: Self.booking([column: value])) }
        #expect(error?.description.hasPrefix(problem) == true, "\(String(describing: error))")
        #expect(books.reservations.byID["r1"] == nil)
    }

    @Test func aVisitWithGuestsBeyondAnyTierOrAGarbledKeyIsRefused() {
        var books = DecisionBooks()
        #expect(throws: RowProblem.self) {
            try books.apply(
                RowRef(table: "lounge_visits", key: "v1"),
                values: [
                    "member_id": .text("m1"), "guests": .int(.max), "status": .text("open"),
                    "checked_in_at": .int(1),
                ])
        }
        #expect(books.lounge.openVisit(of: "m1") == nil)
        #expect(throws: RowProblem.self) {
            try books.apply(RowRef(table: "gift_keys", key: "mall-1:m1"), values: ["public_key": .text("not base64")])
        }
    }
}

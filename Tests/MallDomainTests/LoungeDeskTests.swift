import MallDomain
import SyncCore
import Testing

@Suite struct LoungeDeskRuleTests {
    let desk = LoungeDesk(configuration: .init(capacity: 5, maxStayMillis: 60_000))
    let gold = LoungeDesk.Member(id: "m1", name: "Zhang San", tier: "gold", guestsAllowed: 2)

    func book(_ visits: LoungeBook.Visit...) -> LoungeBook {
        var book = LoungeBook()
        for visit in visits { book.openVisit(visit) }
        return book
    }

    @Test func aMemberWithinAllowanceAndRoomIsAdmitted() throws {
        #expect(try desk.checkIn(gold, guests: 2, book: book(), now: 0) == gold)
    }

    @Test func refusalsNameTheirReason() {
        let inside = LoungeBook.Visit(id: "v1", memberID: "m1", guests: 0, checkedInAt: 7)
        #expect(throws: LoungeDesk.Refusal.unknownMember) { try desk.checkIn(nil, guests: 0, book: book(), now: 0) }
        #expect(throws: LoungeDesk.Refusal.alreadyInside(since: 7, visit: "v1")) {
            try desk.checkIn(gold, guests: 0, book: book(inside), now: 0)
        }
        #expect(throws: LoungeDesk.Refusal.tooManyGuests(allowed: 2)) {
            try desk.checkIn(gold, guests: 3, book: book(), now: 0)
        }
        let crowd = LoungeBook.Visit(id: "v2", memberID: "m2", guests: 2, checkedInAt: 0)
        #expect(throws: LoungeDesk.Refusal.full(capacity: 5, free: 2)) {
            try desk.checkIn(gold, guests: 2, book: book(crowd), now: 0)
        }
    }

    @Test func aBarredMemberIsRefusedUntilTheLatestOfTheirBarsEnds() throws {
        var book = LoungeBook()
        book.setBan(row: "b1", member: "m1", until: 1_000)
        book.setBan(row: "b2", member: "m1", until: 5_000)
        book.setBan(row: "b3", member: "m2", until: 9_000)
        #expect(throws: LoungeDesk.Refusal.barred(until: 5_000)) {
            try desk.checkIn(gold, guests: 0, book: book, now: 999)
        }
        #expect(throws: LoungeDesk.Refusal.barred(until: 5_000)) {
            try desk.checkIn(gold, guests: 0, book: book, now: 4_999)
        }
        // A bar ends at its time, and a lifted bar (its row deleted) bars no more.
        #expect(try desk.checkIn(gold, guests: 0, book: book, now: 5_000) == gold)
        book.removeBan(row: "b2")
        #expect(try desk.checkIn(gold, guests: 0, book: book, now: 1_000) == gold)
        // A bar is checked before anything else a refusal could say.
        #expect(throws: LoungeDesk.Refusal.barred(until: 1_000)) {
            try desk.checkIn(gold, guests: 9, book: book, now: 0)
        }
        // A bar row rewritten for another member bars that member only.
        book.setBan(row: "b3", member: "m1", until: 9_000)
        #expect(book.barredUntil("m2", now: 0) == nil)
        #expect(book.barredUntil("m1", now: 0) == 9_000)
        book.reset(tables: ["lounge_bans"])
        #expect(book.barredUntil("m1", now: 0) == nil)
    }

    /// The mall closes the lounge for a time: every check-in is refused
    /// as closed, whoever asks, until the latest closure under way ends.
    @Test func aClosedLoungeRefusesEveryoneUntilItReopens() throws {
        var book = LoungeBook()
        book.setClosure(row: "c1", from: 1_000, until: 5_000)
        book.setClosure(row: "c2", from: 4_000, until: 8_000)
        #expect(try desk.checkIn(gold, guests: 0, book: book, now: 999) == gold, "not yet closed")
        #expect(throws: LoungeDesk.Refusal.closed(until: 5_000)) {
            try desk.checkIn(gold, guests: 0, book: book, now: 1_000)
        }
        #expect(throws: LoungeDesk.Refusal.closed(until: 8_000)) {
            try desk.checkIn(nil, guests: 9, book: book, now: 4_500)
        }
        #expect(try desk.checkIn(gold, guests: 0, book: book, now: 8_000) == gold, "reopened at its end")
        // A closure called off (its row deleted) closes nothing.
        var apply = DecisionBooks()
        try apply.apply(.init(table: "lounge_closures", key: "c3"), values: ["from": .int(0), "until": .int(9_000)])
        #expect(apply.lounge.closedUntil(now: 10) == 9_000)
        try apply.apply(.init(table: "lounge_closures", key: "c3"), values: [:])
        #expect(apply.lounge.closedUntil(now: 10) == nil)
        // A closure row without its end is refused, not guessed.
        #expect(throws: RowProblem.self) {
            try apply.apply(.init(table: "lounge_closures", key: "c4"), values: ["from": .int(0)])
        }
        #expect(apply.lounge.closedUntil(now: 10) == nil)
        #expect(throws: RowProblem.self) {
            try apply.apply(.init(table: "lounge_closures", key: "c5"), values: ["from": .int(9), "until": .int(9)])
        }
        book.reset(tables: ["lounge_closures"])
        #expect(book.closedUntil(now: 4_500) == nil)
    }

    @Test func cardsMoveWithTheirMemberAndOverstaysAreFound() {
        var book = LoungeBook()
        book.setCard("C-1", member: "m1")
        book.setCard("C-2", member: "m1")
        #expect(book.member(card: "C-1") == nil)
        #expect(book.member(card: "C-2") == "m1")
        book.openVisit(.init(id: "v1", memberID: "m1", guests: 1, checkedInAt: 0))
        book.openVisit(.init(id: "v2", memberID: "m2", guests: 0, checkedInAt: 50_000))
        #expect(book.occupancy == 3)
        #expect(book.overstayed(now: 70_000, maxStayMillis: 60_000).map(\.id) == ["v1"])
        book.removeVisit("v1")
        #expect(book.openVisit(of: "m1") == nil)
    }

    @Test func visitsAtTheEdgesOfInt64NeitherTrapTheSweepNorTheCount() throws {
        // Given visits a stolen desk wrote with extreme times and guest counts,
        let poisoned = book(
            LoungeBook.Visit(id: "v1", memberID: "m1", guests: Int.max, checkedInAt: Int64.min),
            LoungeBook.Visit(id: "v2", memberID: "m2", guests: Int.min, checkedInAt: Int64.max))
        // the max-stay sweep and the occupancy still answer,
        #expect(poisoned.overstayed(now: Int64.max, maxStayMillis: 60_000).map(\.id) == ["v1"])
        #expect(poisoned.overstayed(now: Int64.min, maxStayMillis: 60_000).isEmpty)
        #expect(poisoned.occupancy == 1 + 1_000 + 1)
        // and a check-in is refused for want of room, not by a trap.
        #expect(throws: LoungeDesk.Refusal.self) { try desk.checkIn(gold, guests: 0, book: poisoned, now: 0) }
    }
}

import MallDomain
import Testing

@Suite struct GateDeciderTests {
    static let hour: Int64 = 3_600_000
    let decider = GateDecider(
        configuration: .init(earlyGraceMillis: 30 * 60_000, lateGraceMillis: 15 * 60_000))
    /// r1 holds 皖A12345 from 10:00 to 12:00 (milliseconds of the day are enough here).
    let r1 = Reservation(
        id: "r1", memberID: "m1", plate: "皖A12345", zone: "B2", windowStart: 10 * hour, windowEnd: 12 * hour,
        status: .booked)

    func read(_ text: String, _ confidence: Double = 0.95, alternatives: [PlateMatcher.Candidate] = [])
        -> PlateMatcher.Read
    {
        PlateMatcher.Read(text: text, confidence: confidence, alternatives: alternatives)
    }

    func book(_ reservations: Reservation...) -> ReservationBook { ReservationBook(reservations) }

    func with(_ reservation: Reservation, status: Reservation.Status) -> Reservation {
        var copy = reservation
        copy.status = status
        return copy
    }

    @Test func admitsAReservedCarInsideItsWindow() {
        let decision = decider.decide(read("皖A·12345"), .entering, now: 11 * Self.hour, book: book(r1))
        #expect(decision.verdict == .admit)
        #expect(decision.reason == .reserved)
        #expect(decision.reservation?.id == "r1")
        #expect(decision.match?.rule == .exact)
    }

    @Test func admitsWithinTheEarlyAndLateGraceButNotBeyond() {
        let early = 10 * Self.hour - 30 * 60_000
        let late = 12 * Self.hour + 15 * 60_000
        for (now, verdict) in [
            (early, .admit), (early - 1, .deny), (late, .admit), (late + 1, GateDecision.Verdict.deny),
        ] {
            #expect(
                decider.decide(read("皖A12345"), .entering, now: now, book: book(r1)).verdict == verdict, "at \(now)")
        }
        let tooEarly = decider.decide(read("皖A12345"), .entering, now: 9 * Self.hour, book: book(r1))
        #expect(tooEarly.reason == .outsideWindow)
        #expect(tooEarly.detail == "reservation r1 admits from 30 min from now")
    }

    @Test func anEntryWhileAlreadyInsideIsReferred() {
        let decision = decider.decide(
            read("皖A12345"), .entering, now: 11 * Self.hour, book: book(with(r1, status: .inside)))
        #expect(decision.verdict == .refer)
        #expect(decision.reason == .alreadyInside)
        #expect(decision.suggestions == ["皖A12345"])
    }

    @Test func aCancelledReservationIsDeniedWithItsReason() {
        for status in [Reservation.Status.cancelled, .noShow] {
            let decision = decider.decide(
                read("皖A12345"), .entering, now: 11 * Self.hour, book: book(with(r1, status: status)))
            #expect(decision.verdict == .deny)
            #expect(decision.reason == .cancelled)
            #expect(decision.reservation?.id == "r1")
        }
    }

    @Test func aCarWithNothingCloseIsDenied() {
        let decision = decider.decide(read("沪C99999"), .entering, now: 11 * Self.hour, book: book(r1))
        #expect(decision.verdict == .deny)
        #expect(decision.reason == .noReservation)
        #expect(decision.suggestions.isEmpty)
    }

    @Test func aProvinceMisreadIsReferredWithTheCloseReservation() {
        let decision = decider.decide(read("沪A12345"), .entering, now: 11 * Self.hour, book: book(r1))
        #expect(decision.verdict == .refer)
        #expect(decision.reason == .closeButUnsafe)
        #expect(decision.suggestions == ["皖A12345"])
    }

    @Test func aLowConfidenceReadIsReferredEvenWhenExact() {
        let decision = decider.decide(read("皖A12345", 0.3), .entering, now: 11 * Self.hour, book: book(r1))
        #expect(decision.verdict == .refer)
        #expect(decision.reason == .lowConfidence)
        #expect(decision.suggestions == ["皖A12345"])
    }

    @Test func garbageIsDeniedAsUnreadable() {
        for garbage in ["", "\u{0}\u{1}", "ABCDEFGHIJKLMNOP", "皖А12345"] {
            let decision = decider.decide(read(garbage), .entering, now: 11 * Self.hour, book: book(r1))
            #expect(decision.verdict == .deny, "\(garbage.debugDescription)")
            #expect(decision.reason == .unreadable, "\(garbage.debugDescription)")
        }
    }

    @Test func aCarInsideLeavesAndAnythingElseLeavingIsReferred() {
        let inside = decider.decide(
            read("皖A12345"), .leaving, now: 13 * Self.hour, book: book(with(r1, status: .inside)))
        #expect(inside.verdict == .admit)
        #expect(inside.reason == .leaving)
        let neverEntered = decider.decide(read("皖A12345"), .leaving, now: 13 * Self.hour, book: book(r1))
        #expect(neverEntered.verdict == .refer)
        #expect(neverEntered.reason == .notInside)
        let stranger = decider.decide(read("沪C99999"), .leaving, now: 13 * Self.hour, book: book(r1))
        #expect(stranger.verdict == .refer)
    }

    @Test func theReservationWhoseWindowIsOpenIsChosenAmongSeveral() {
        let later = Reservation(
            id: "r2", memberID: "m1", plate: "皖A12345", zone: "B3", windowStart: 14 * Self.hour,
            windowEnd: 16 * Self.hour, status: .booked)
        let used = with(r1, status: .left)
        let decision = decider.decide(read("皖A12345"), .entering, now: 15 * Self.hour, book: book(used, later))
        #expect(decision.verdict == .admit)
        #expect(decision.reservation?.id == "r2")
    }

    @Test func aUsedReservationDoesNotAdmitAgain() {
        let decision = decider.decide(
            read("皖A12345"), .entering, now: 11 * Self.hour, book: book(with(r1, status: .left)))
        #expect(decision.verdict == .deny)
        #expect(decision.reason == .noReservation)
    }

    @Test func durationsReadLikeAPersonWouldSayThem() {
        #expect(GateDecider.duration(40_000) == "40 s")
        #expect(GateDecider.duration(12 * 60_000) == "12 min")
        #expect(GateDecider.duration(65 * 60_000) == "1 h 5 min")
        #expect(GateDecider.duration(2 * Self.hour) == "2 h")
    }

    @Test(arguments: [(Int64.min, Int64.max), (Int64.max, Int64.min), (Int64.min, Int64.min), (Int64.max, Int64.max)])
    func aWindowAtTheEdgesOfInt64DecidesWithoutTrapping(start: Int64, end: Int64) {
        // Given a reservation whose window a stolen device wrote at the limits of Int64
        // (the schema refuses such rows now; the rule must not trap on one that slipped in),
        let poisoned = Reservation(
            id: "r9", memberID: "m9", plate: "皖A12345", zone: "B2", windowStart: start, windowEnd: end,
            status: .booked)
        // when the car arrives at any time, the gate still answers.
        for now in [Int64.min, 0, 11 * Self.hour, Int64.max] {
            let decision = decider.decide(read("皖A12345"), .entering, now: now, book: book(poisoned))
            #expect([.admit, .deny].contains(decision.verdict))
        }
    }
}

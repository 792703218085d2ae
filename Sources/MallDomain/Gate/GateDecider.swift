/// Decides a gate read against the reservation book: which reservation, if
/// any, the car is entitled to pass on, in which direction, at this time.
///
/// Entering: the plate must match a booked reservation whose window, widened
/// by the grace periods, holds `now`. A reservation already `inside` is a
/// cloned plate or a missed exit, so staff decide. Leaving: the plate must
/// match a reservation that is inside; anything else is referred, since a
/// car must never be trapped by a misread.
public struct GateDecider: Sendable {
    /// - `earlyGraceMillis`: how long before its window a reservation admits (default 30 min).
    /// - `lateGraceMillis`: how long after its window it still admits (default 15 min).
    /// - `matcher`: the plate matcher's thresholds and confusion model.
    public struct Configuration: Hashable, Sendable {
        public var earlyGraceMillis: Int64
        public var lateGraceMillis: Int64
        public var matcher: PlateMatcher.Configuration

        public init(
            earlyGraceMillis: Int64 = 30 * 60_000, lateGraceMillis: Int64 = 15 * 60_000,
            matcher: PlateMatcher.Configuration = .init()
        ) {
            self.earlyGraceMillis = earlyGraceMillis
            self.lateGraceMillis = lateGraceMillis
            self.matcher = matcher
        }
    }

    public enum Direction: String, Hashable, Sendable, CaseIterable {
        case entering = "in"
        case leaving = "out"
    }

    public let configuration: Configuration
    private let matcher: PlateMatcher

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        matcher = PlateMatcher(configuration: configuration.matcher)
    }

    /// `now`: milliseconds since 1970.
    public func decide(_ read: PlateMatcher.Read, _ direction: Direction, now: Int64, book: ReservationBook)
        -> GateDecision
    {
        switch matcher.match(read, against: book.livePlates) {
        case .refer(let reason, let suggestions):
            return GateDecision(
                .refer, Self.reason(for: reason), detail: Self.detail(for: reason, suggestions: suggestions),
                suggestions: suggestions)
        case .noMatch:
            return unmatched(read, direction, book: book)
        case .match(let match):
            let live = book.reservations(plate: match.plate).filter(\.status.isLive)
            switch direction {
            case .entering: return entering(live, match: match, now: now)
            case .leaving: return leaving(live, match: match)
            }
        }
    }

    private func entering(_ live: [Reservation], match: PlateMatcher.Match, now: Int64)
        -> GateDecision
    {
        if let inside = live.first(where: { $0.status == .inside }) {
            return GateDecision(
                .refer, .alreadyInside,
                detail: "\(match.plate) is already inside on reservation \(inside.id): a cloned plate or a missed exit",
                reservation: inside, match: match, suggestions: [match.plate])
        }
        if let open = live.first(where: { opens(at: $0) <= now && now <= closes(at: $0) }) {
            return GateDecision(
                .admit, .reserved, detail: "reservation \(open.id) in zone \(open.zone)", reservation: open,
                match: match)
        }
        let nearest = live.min { distance(now, to: $0) < distance(now, to: $1) }!
        let detail =
            now < opens(at: nearest)
            ? "reservation \(nearest.id) admits from \(Self.duration(opens(at: nearest).saturatingSubtract(now))) from now"
            : "reservation \(nearest.id) stopped admitting \(Self.duration(now.saturatingSubtract(closes(at: nearest)))) ago"
        return GateDecision(.deny, .outsideWindow, detail: detail, reservation: nearest, match: match)
    }

    private func leaving(_ live: [Reservation], match: PlateMatcher.Match) -> GateDecision {
        if let inside = live.first(where: { $0.status == .inside }) {
            return GateDecision(
                .admit, .leaving, detail: "reservation \(inside.id) leaves zone \(inside.zone)", reservation: inside,
                match: match)
        }
        return GateDecision(
            .refer, .notInside, detail: "\(match.plate) never entered on its reservation: a missed entry read",
            reservation: live.first, match: match, suggestions: [match.plate])
    }

    /// No live reservation matched: say whether the plate had one that ended,
    /// and whether the read was a plate at all.
    private func unmatched(_ read: PlateMatcher.Read, _ direction: Direction, book: ReservationBook) -> GateDecision {
        let plate: Plate
        do {
            plate = try PlateNormalizer.normalize(read.text)
        } catch {
            return GateDecision(
                direction == .leaving ? .refer : .deny, .unreadable, detail: "the read is not a plate: \(error)")
        }
        if direction == .leaving {
            return GateDecision(.refer, .notInside, detail: "\(plate.text) has no reservation inside")
        }
        if let ended = book.reservations(plate: plate.text).last {
            switch ended.status {
            case .cancelled, .noShow:
                return GateDecision(
                    .deny, .cancelled, detail: "reservation \(ended.id) is \(ended.status.rawValue)",
                    reservation: ended)
            case .left, .booked, .inside:
                return GateDecision(
                    .deny, .noReservation, detail: "reservation \(ended.id) was used; the car has left",
                    reservation: ended)
            }
        }
        return GateDecision(.deny, .noReservation, detail: "\(plate.text) has no reservation")
    }

    private func opens(at reservation: Reservation) -> Int64 {
        reservation.windowStart.saturatingSubtract(configuration.earlyGraceMillis)
    }

    private func closes(at reservation: Reservation) -> Int64 {
        reservation.windowEnd.saturatingAdd(configuration.lateGraceMillis)
    }

    private func distance(_ now: Int64, to reservation: Reservation) -> Int64 {
        max(opens(at: reservation).saturatingSubtract(now), now.saturatingSubtract(closes(at: reservation)), 0)
    }

    private static func reason(for reason: PlateMatcher.Outcome.Reason) -> GateDecision.Reason {
        switch reason {
        case .lowConfidence: .lowConfidence
        case .ambiguous: .ambiguous
        case .unsafeFuzzyMatch: .closeButUnsafe
        }
    }

    private static func detail(for reason: PlateMatcher.Outcome.Reason, suggestions: [String]) -> String {
        let close = suggestions.isEmpty ? "no reserved plate is close" : "close: \(suggestions.joined(separator: ", "))"
        switch reason {
        case .lowConfidence: return "the camera is unsure of this read; \(close)"
        case .ambiguous: return "the read fits several reservations; \(close)"
        case .unsafeFuzzyMatch:
            return "the read differs from a reservation where a misread is not safe to assume; \(close)"
        }
    }

    /// `1 h 5 min`, `12 min`, `40 s`: for staff, not for machines.
    public static func duration(_ millis: Int64) -> String {
        let seconds = max(millis / 1000, 0)
        if seconds < 60 { return "\(seconds) s" }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes) min" }
        return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min"
    }
}

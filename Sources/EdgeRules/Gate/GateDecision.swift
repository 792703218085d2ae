/// What a gate answers for one camera read, and why.
public struct GateDecision: Hashable, Sendable {
    public enum Verdict: String, Hashable, Sendable {
        /// Lift the barrier.
        case admit
        /// Keep it down: nothing entitles this car.
        case deny
        /// Keep it down and call staff: something is close but not safe to decide alone.
        case refer
    }

    /// Why, in words staff understand; the raw value is what the API returns.
    public enum Reason: String, Hashable, Sendable {
        case reserved = "reservation valid"
        case leaving
        case noReservation = "no reservation"
        case outsideWindow = "outside window"
        case alreadyInside = "already inside"
        case notInside = "not inside"
        case cancelled
        case ambiguous
        case lowConfidence = "low confidence"
        case closeButUnsafe = "close to a reservation but not safe to admit"
        case unreadable = "plate unreadable"
    }

    public var verdict: Verdict
    public var reason: Reason
    /// One sentence for the staff screen, with the specifics (times, plates).
    public var detail: String
    public var reservation: Reservation?
    /// The reserved plate the read was matched to, and by which rule.
    public var match: (plate: String, rule: PlateMatcher.Rule)?
    /// Close reserved plates, for staff when referred.
    public var suggestions: [String]

    public init(
        _ verdict: Verdict, _ reason: Reason, detail: String, reservation: Reservation? = nil,
        match: (plate: String, rule: PlateMatcher.Rule)? = nil, suggestions: [String] = []
    ) {
        self.verdict = verdict
        self.reason = reason
        self.detail = detail
        self.reservation = reservation
        self.match = match
        self.suggestions = suggestions
    }

    public static func == (lhs: GateDecision, rhs: GateDecision) -> Bool {
        lhs.verdict == rhs.verdict && lhs.reason == rhs.reason && lhs.detail == rhs.detail
            && lhs.reservation == rhs.reservation && lhs.match?.plate == rhs.match?.plate
            && lhs.match?.rule == rhs.match?.rule && lhs.suggestions == rhs.suggestions
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(verdict)
        hasher.combine(reason)
        hasher.combine(reservation?.id)
    }
}

extension PlateMatcher.Rule {
    /// How a passage records the rule: `exact`, `alternative`, or
    /// `confusion:4:Q>D` (1-based position, the character read, the one reserved).
    public var evidence: String {
        switch self {
        case .exact: "exact"
        case .alternative: "alternative"
        case .confusion(let position, let read, let reserved): "confusion:\(position + 1):\(read)>\(reserved)"
        }
    }
}

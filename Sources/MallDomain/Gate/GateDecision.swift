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
    /// The reserved plate the read was matched to, by which rule, how surely.
    public var match: PlateMatcher.Match?
    /// Close reserved plates, for staff when referred.
    public var suggestions: [String]

    public init(
        _ verdict: Verdict, _ reason: Reason, detail: String, reservation: Reservation? = nil,
        match: PlateMatcher.Match? = nil, suggestions: [String] = []
    ) {
        self.verdict = verdict
        self.reason = reason
        self.detail = detail
        self.reservation = reservation
        self.match = match
        self.suggestions = suggestions
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

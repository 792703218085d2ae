public import SyncCore

/// A `gate_passages` row: one car at a lane, what the gate decided and the
/// evidence it decided on. Mapped to and from the row's columns here and
/// nowhere else: a gate writes one per read and per staff override, and the
/// hub's scalper watch reads the admitted entries back.
public struct GatePassageRecord: Hashable, Sendable {
    public static let table = "gate_passages"
    /// The `rule` of a passage staff made by hand.
    public static let overrideRule = "override"
    /// How a gate keys its passages: `gp-{node}-{epoch}-{seq}`, after the
    /// passage's change (unique in the fleet; the hub refuses a key naming
    /// another node).
    public static let keyPrefix = "gp-"

    public static func key(for id: ChangeID) -> String { "\(keyPrefix)\(id.origin)-\(id.epoch)-\(id.seq)" }

    public var reservationID: String?
    public var lane: String
    public var direction: GateDecider.Direction
    /// The plate as read (control characters replaced), and normalised when it is a plate.
    public var plateRaw: String
    public var plate: String?
    public var verdict: GateDecision.Verdict
    public var reason: String
    /// The matching rule's evidence, or `overrideRule` for a staff override.
    public var rule: String?
    /// Per mille.
    public var confidence: Int64?
    /// JSON texts of the read's evidence, when it had any.
    public var characterConfidences: String?
    public var alternatives: String?
    public var suggestions: String?
    /// Milliseconds since 1970.
    public var at: Int64

    public init(
        reservationID: String?, lane: String, direction: GateDecider.Direction, plateRaw: String, plate: String?,
        verdict: GateDecision.Verdict, reason: String, rule: String?, confidence: Int64? = nil,
        characterConfidences: String? = nil, alternatives: String? = nil, suggestions: String? = nil, at: Int64
    ) {
        self.reservationID = reservationID
        self.lane = lane
        self.direction = direction
        self.plateRaw = plateRaw
        self.plate = plate
        self.verdict = verdict
        self.reason = reason
        self.rule = rule
        self.confidence = confidence
        self.characterConfidences = characterConfidences
        self.alternatives = alternatives
        self.suggestions = suggestions
        self.at = at
    }

    /// The insert that records this passage under `key`. A staff override
    /// has no read, so its evidence columns are left unset.
    public func inserted(as key: String) -> LocalWrite {
        var columns: [String: Value] = [
            "reservation_id": reservationID.map { .text($0) } ?? .null, "lane": .text(lane),
            "direction": .text(direction.rawValue), "plate_raw": .text(plateRaw),
            "plate": plate.map { .text($0) } ?? .null, "decision": .text(verdict.rawValue), "reason": .text(reason),
            "rule": rule.map { .text($0) } ?? .null, "at": .int(at),
        ]
        if let confidence {
            columns["confidence"] = .int(confidence)
            columns["character_confidences"] = characterConfidences.map { .text($0) } ?? .null
            columns["alternatives"] = alternatives.map { .text($0) } ?? .null
            columns["suggestions"] = suggestions.map { .text($0) } ?? .null
        }
        return .insert(Self.table, key, columns)
    }

    /// The columns `admittedEntry` reads.
    public static let entryColumns = ["direction", "decision", "reservation_id", "at"]

    /// The reservation and time of a passage that let a car in; nil for any
    /// other passage (a refusal, an exit, a passage with no reservation).
    public static func admittedEntry(_ values: [String: Value]) -> (reservation: String, at: Int64)? {
        guard values["direction"] == .text(GateDecider.Direction.entering.rawValue),
            values["decision"] == .text(GateDecision.Verdict.admit.rawValue),
            let reservation = values["reservation_id"]?.textValue, case .int(let at)? = values["at"]
        else { return nil }
        return (reservation, at)
    }
}

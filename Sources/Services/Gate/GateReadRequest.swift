import Hummingbird
import MallDomain

/// `POST /v1/gate/reads`: what the gate controller sends for one camera read.
struct GateReadRequest: Decodable {
    var lane: String
    var direction: GateDecider.Direction
    var read: PlateMatcher.Read

    enum CodingKeys: String, CodingKey, CaseIterable {
        case lane, direction, plate, confidence, characterConfidences, alternatives
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
        lane = try container.decode(String.self, forKey: .lane)
        guard !lane.isEmpty, lane.utf8.count <= 64 else { throw FieldError("lane", "1 to 64 bytes") }
        let directionText = try container.decode(String.self, forKey: .direction)
        guard let direction = GateDecider.Direction(rawValue: directionText) else {
            throw FieldError("direction", "\"in\" or \"out\"")
        }
        self.direction = direction
        let plate = try container.decode(String.self, forKey: .plate)
        guard plate.utf8.count <= 64 else { throw FieldError("plate", "at most 64 bytes") }
        let confidence = try container.decode(Double.self, forKey: .confidence)
        guard (0...1).contains(confidence) else { throw FieldError("confidence", "a number from 0 to 1") }
        let characters = try container.decodeIfPresent([Double].self, forKey: .characterConfidences)
        if let characters {
            guard characters.count <= 16, characters.allSatisfy({ (0...1).contains($0) }) else {
                throw FieldError("characterConfidences", "at most 16 numbers from 0 to 1")
            }
        }
        let alternatives = try container.decodeIfPresent([CandidateField].self, forKey: .alternatives) ?? []
        guard alternatives.count <= 10 else { throw FieldError("alternatives", "at most 10 candidates") }
        read = PlateMatcher.Read(
            text: plate, confidence: confidence, characterConfidences: characters,
            alternatives: alternatives.map(\.candidate))
    }
}

/// One of the camera's other candidates: `{"plate": …, "likelihood": …}`,
/// or, in the older and weaker form, the plate alone as a string (a
/// candidate without a likelihood is only ever a suggestion for staff).
struct CandidateField: Decodable {
    var candidate: PlateMatcher.Candidate

    enum CodingKeys: String, CodingKey, CaseIterable { case plate, likelihood }

    init(from decoder: any Decoder) throws {
        if let plate = try? decoder.singleValueContainer().decode(String.self) {
            guard plate.utf8.count <= 64 else { throw FieldError("alternatives", "plates of at most 64 bytes") }
            candidate = PlateMatcher.Candidate(plate)
            return
        }
        let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
        let plate = try container.decode(String.self, forKey: .plate)
        guard plate.utf8.count <= 64 else { throw FieldError("alternatives", "plates of at most 64 bytes") }
        let likelihood = try container.decode(Double.self, forKey: .likelihood)
        guard (0...1).contains(likelihood) else {
            throw FieldError("alternatives", "a likelihood is a number from 0 to 1")
        }
        candidate = PlateMatcher.Candidate(plate, likelihood: likelihood)
    }
}

/// The answer to a gate read: the decision, why, and the evidence recorded.
struct GateReadResponse: ResponseEncodable {
    struct PlateRead: Encodable {
        var raw: String
        var normalized: String?
        var kind: String?
        var error: String?
    }

    struct ReservationView: Encodable {
        var id: String
        var memberId: String
        var zone: String
        var windowStart: Int64
        var windowEnd: Int64
        /// As it stood when the read was decided.
        var status: String
    }

    struct Match: Encodable {
        var plate: String
        var rule: String
        /// The chance the car is this plate's, by the evidence and the gate's confusion model.
        var probability: Double
    }

    var passage: String
    var decision: String
    var reason: String
    var detail: String
    var plate: PlateRead
    var reservation: ReservationView?
    var match: Match?
    var suggestions: [String]
    var at: UInt64
    var decisionMicros: Double

    init(_ passage: GatePassage, raw: String) {
        let decision = passage.decision
        self.passage = passage.key
        self.decision = decision.verdict.rawValue
        reason = decision.reason.rawValue
        detail = decision.detail
        switch passage.plate {
        case .success(let plate):
            self.plate = PlateRead(raw: raw, normalized: plate.text, kind: plate.kind.rawValue)
        case .failure(let error):
            self.plate = PlateRead(raw: raw, error: error.description)
        }
        reservation = decision.reservation.map {
            ReservationView(
                id: $0.id, memberId: $0.memberID, zone: $0.zone, windowStart: $0.windowStart,
                windowEnd: $0.windowEnd, status: $0.status.rawValue)
        }
        match = decision.match.map {
            Match(plate: $0.plate, rule: $0.rule.evidence, probability: ($0.probability * 1000).rounded() / 1000)
        }
        suggestions = decision.suggestions
        at = passage.at
        let (seconds, attoseconds) = passage.decidedIn.components
        decisionMicros = ((Double(seconds) * 1e6 + Double(attoseconds) / 1e12) * 10).rounded() / 10
    }
}

/// `POST /v1/gate/overrides`: staff lift the barrier by hand, saying why.
struct GateOverrideRequest: Decodable {
    var lane: String
    var direction: GateDecider.Direction
    var plate: String
    var reservationId: String?
    var reason: String

    enum CodingKeys: String, CodingKey, CaseIterable { case lane, direction, plate, reservationId, reason }

    init(from decoder: any Decoder) throws {
        let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
        lane = try container.decode(String.self, forKey: .lane)
        guard !lane.isEmpty, lane.utf8.count <= 64 else { throw FieldError("lane", "1 to 64 bytes") }
        guard let direction = GateDecider.Direction(rawValue: try container.decode(String.self, forKey: .direction))
        else { throw FieldError("direction", "\"in\" or \"out\"") }
        self.direction = direction
        plate = try container.decode(String.self, forKey: .plate)
        guard plate.utf8.count <= 64 else { throw FieldError("plate", "at most 64 bytes") }
        reservationId = try container.decodeIfPresent(String.self, forKey: .reservationId)
        reason = try container.decode(String.self, forKey: .reason)
        guard (3...200).contains(reason.count) else { throw FieldError("reason", "3 to 200 characters") }
    }
}

import Foundation
public import MallDomain
public import SyncCore

/// One camera read at a gate lane, as the gate controller sends it (only
/// the gate's device token may: no staff role has `gate.read`).
public struct GateRead: Sendable {
    public var lane: String
    public var direction: GateDecider.Direction
    public var plate: PlateMatcher.Read

    public init(lane: String, direction: GateDecider.Direction, plate: PlateMatcher.Read) {
        self.lane = lane
        self.direction = direction
        self.plate = plate
    }
}

/// A decided and durably recorded gate passage.
public struct GatePassage: Sendable {
    public var key: String
    public var decision: GateDecision
    /// The read normalised, or why it is not a plate.
    public var plate: Result<Plate, PlateError>
    /// Milliseconds since 1970, by this node's clock.
    public var at: UInt64
    /// How long the decision itself took, before the commit.
    public var decidedIn: Duration
}

extension NodeCoordinator {
    /// Decides a read from the local replica alone and commits the passage
    /// (with its evidence) and the reservation's new status on an admit, in
    /// one transaction, and returns once it is durable.
    ///
    /// The passage is the read's audit entry: who (this gate's device, the
    /// change's origin), what, when and the outcome are all in it, so no
    /// `audit_log` row repeats it. That row was a third of the decision's
    /// pages of WAL; `recentAudit` and the hub's audit trail list the
    /// passage as a `gate.read` entry instead.
    /// Decision and commit run in one actor turn, so two lanes can never
    /// both admit one reservation at the same node; lanes deciding at once
    /// share the fsync, which each waits for off the actor.
    public nonisolated func decideGate(_ read: GateRead) async throws -> GatePassage {
        try await durable(decideAndCommitGate(read))
    }

    private func decideAndCommitGate(_ read: GateRead) throws -> Committed<GatePassage> {
        let started = ContinuousClock.now
        let now = clock.now()
        let decision = gateDecider.decide(read.plate, read.direction, now: Int64(now), book: views.reservations)
        let decidedIn = ContinuousClock.now - started
        let plate = Result { () throws(PlateError) in try PlateNormalizer.normalize(read.plate.text) }
        let id = engine.nextChangeID
        let key = GatePassageRecord.key(for: id)
        let record = GatePassageRecord(
            reservationID: decision.reservation?.id, lane: read.lane, direction: read.direction,
            plateRaw: read.plate.text.replacingControlCharacters, plate: (try? plate.get())?.text,
            verdict: decision.verdict, reason: decision.reason.rawValue, rule: decision.match?.rule.evidence,
            confidence: Self.perMille(read.plate.confidence),
            characterConfidences: read.plate.characterConfidences.map { Self.json($0.map(Self.perMille)) },
            alternatives: read.plate.alternatives.isEmpty
                ? nil : Self.json(read.plate.alternatives.map(PassageCandidate.init)),
            suggestions: decision.suggestions.isEmpty ? nil : Self.json(decision.suggestions), at: Int64(now))
        var writes = [record.inserted(as: key)]
        if decision.verdict == .admit, let reservation = decision.reservation {
            let status: Reservation.Status = read.direction == .entering ? .inside : .left
            writes.append(reservation.moving(to: status))
        }
        return Committed(
            outcome: GatePassage(key: key, decision: decision, plate: plate, at: now, decidedIn: decidedIn),
            changes: try commitNow(writes), decision: "gate.\(decision.verdict.rawValue)")
    }

    /// An audit entry keyed after the decision's first change id (unique in the fleet).
    func audit(actor: String, action: String, target: String, outcome: String, at: UInt64, id: ChangeID)
        -> LocalWrite
    {
        Self.auditEntry(
            node: configuration.node, actor: actor, action: action, target: target, outcome: outcome, at: at, id: id)
    }

    /// The audit row node `node` writes with a decision whose first change is
    /// `id` (public for `mall-bench growth`, which writes what nodes write).
    public static func auditEntry(
        node: String, actor: String, action: String, target: String, outcome: String, at: UInt64, id: ChangeID
    ) -> LocalWrite {
        .insert(
            "audit_log", "au-\(id.origin)-\(id.epoch)-\(id.seq)",
            [
                "actor": .text(actor), "action": .text(action), "target": .text(target), "outcome": .text(outcome),
                "node": .text(node), "at": .int(Int64(clamping: at)),
            ])
    }

    /// A camera candidate as a passage keeps it: the plate as sent, and the
    /// likelihood per mille where the camera gave one.
    struct PassageCandidate: Encodable {
        var plate: String
        var likelihood: Int64?

        init(_ candidate: PlateMatcher.Candidate) {
            plate = candidate.plate.replacingControlCharacters
            likelihood = candidate.likelihood.map(NodeCoordinator.perMille)
        }
    }

    static func perMille(_ confidence: Double) -> Int64 {
        Int64((min(max(confidence, 0), 1) * 1000).rounded())
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).flatMap { String(data: $0, encoding: .utf8) } ?? "null"
    }
}

extension NodeCoordinator {
    /// Staff lift the barrier by hand for a referred car, naming why. The
    /// passage is recorded as an admit by rule `override`, with the staff
    /// member as actor; with a reservation it counts as that reservation's
    /// entry or exit (and can make a double entry like any other admit).
    public nonisolated func overrideGate(
        lane: String, direction: GateDecider.Direction, plate: String, reservationID: String?, reason: String,
        caller: Caller
    ) async throws -> (key: String, reservation: Reservation?) {
        try await durable(
            commitOverride(
                lane: lane, direction: direction, plate: plate, reservationID: reservationID, reason: reason,
                caller: caller))
    }

    private func commitOverride(
        lane: String, direction: GateDecider.Direction, plate: String, reservationID: String?, reason: String,
        caller: Caller
    ) throws -> Committed<(key: String, reservation: Reservation?)> {
        let now = clock.now()
        let id = engine.nextChangeID
        let key = GatePassageRecord.key(for: id)
        let reservation = reservationID.flatMap { views.reservations.byID[$0] }
        if reservationID != nil, reservation == nil {
            throw GateOverrideError.unknownReservation(reservationID!)
        }
        let record = GatePassageRecord(
            reservationID: reservation?.id, lane: lane, direction: direction, plateRaw: plate,
            plate: (try? PlateNormalizer.normalize(plate))?.text, verdict: .admit, reason: "staff override: \(reason)",
            rule: GatePassageRecord.overrideRule, at: Int64(now))
        var writes = [record.inserted(as: key)]
        // A cancelled booking stays cancelled (a gate may not revive it,
        // `Rights.mall`): the passage records the override on its own.
        if let reservation, reservation.status != .cancelled {
            let status: Reservation.Status = direction == .entering ? .inside : .left
            writes.append(reservation.moving(to: status))
        }
        writes.append(
            audit(
                actor: caller.actor, action: "gate.override", target: key, outcome: "admit: \(reason)", at: now, id: id)
        )
        return Committed(outcome: (key, reservation), changes: try commitNow(writes), decision: "gate.override")
    }
}

/// Why a gate override was refused.
public enum GateOverrideError: Error, CustomStringConvertible {
    case unknownReservation(String)

    public var description: String {
        switch self {
        case .unknownReservation(let id): "no reservation \(id) at this gate"
        }
    }
}

public import MallDomain
import SyncCore

/// The outcome of a check-in or check-out at the lounge desk.
public struct LoungeResult: Sendable {
    public var visit: String?
    public var member: LoungeDesk.Member?
    public var refusal: LoungeDesk.Refusal?
    public var occupancy: Int
    public var capacity: Int
}

extension NodeCoordinator {
    /// Checks a member in by member code or card number, from the replica
    /// alone, and commits the visit and an audit entry (in the same actor
    /// turn) before returning, once they are durable. A refusal is audited
    /// the same way.
    public nonisolated func checkIn(memberOrCard: String, guests: Int, caller: Caller) async throws -> LoungeResult {
        try await durable(checkInNow(memberOrCard: memberOrCard, guests: guests, caller: caller))
    }

    private func checkInNow(memberOrCard: String, guests: Int, caller: Caller) throws -> Committed<LoungeResult> {
        let now = clock.now()
        let id = engine.nextChangeID
        let desk = LoungeDesk(configuration: policies.lounge)
        let typed = memberOrCard.trimmingWhitespace()
        let memberID = views.lounge.member(card: typed) ?? typed
        let found = try member(memberID)
        do {
            let member = try desk.checkIn(found, guests: guests, book: views.lounge, now: Int64(clamping: now))
            let key = "lv-\(id.origin)-\(id.epoch)-\(id.seq)"
            let changes = try commitNow([
                LoungeVisitRows.checkIn(key, member: member.id, guests: guests, at: Int64(now)),
                audit(
                    actor: caller.actor, action: "lounge.check-in", target: member.id,
                    outcome: "admitted with \(guests) guest(s)", at: now, id: id),
            ])
            let result = LoungeResult(
                visit: key, member: member, occupancy: views.lounge.occupancy, capacity: desk.configuration.capacity)
            return Committed(outcome: result, changes: changes, decision: "lounge.check-in")
        } catch let refusal as LoungeDesk.Refusal {
            return try auditNow(
                caller.actor, action: "lounge.check-in", target: found?.id ?? "unknown member",
                outcome: "refused: \(refusal.reason)",
                answering: LoungeResult(
                    member: found, refusal: refusal, occupancy: views.lounge.occupancy,
                    capacity: desk.configuration.capacity))
        }
    }

    /// Closes the member's open visit; nil when they have none.
    public nonisolated func checkOut(memberOrCard: String, caller: Caller) async throws -> LoungeResult? {
        try await durable(checkOutNow(memberOrCard: memberOrCard, caller: caller))
    }

    private func checkOutNow(memberOrCard: String, caller: Caller) throws -> Committed<LoungeResult?> {
        let now = clock.now()
        let typed = memberOrCard.trimmingWhitespace()
        let memberID = views.lounge.member(card: typed) ?? typed
        guard let visit = views.lounge.openVisit(of: memberID) else {
            return Committed(outcome: nil, changes: [], decision: "lounge.check-out")
        }
        let id = engine.nextChangeID
        let changes = try commitNow([
            LoungeVisitRows.checkOut(visit.id, at: Int64(now)),
            audit(
                actor: caller.actor, action: "lounge.check-out", target: memberID, outcome: "closed", at: now, id: id),
        ])
        let result = LoungeResult(
            visit: visit.id, member: try member(memberID), occupancy: views.lounge.occupancy,
            capacity: policies.lounge.capacity)
        return Committed(outcome: result, changes: changes, decision: "lounge.check-out")
    }

    /// Closes visits open longer than the maximum stay (a member who left
    /// without checking out), so the lounge's count stays true.
    func closeOverstayedVisits(now: UInt64) throws {
        let overstayed = views.lounge.overstayed(now: Int64(now), maxStayMillis: policies.lounge.maxStayMillis)
        guard !overstayed.isEmpty else { return }
        let id = engine.nextChangeID
        let writes =
            overstayed.map { LoungeVisitRows.checkOut($0.id, at: Int64(now), closedBy: "max-stay") } + [
                audit(
                    actor: "node:\(configuration.node)", action: "lounge.auto-close",
                    target: overstayed.map(\.id).joined(separator: ","), outcome: "closed after max stay", at: now,
                    id: id)
            ]
        // No one waits for this answer, and the publisher waits for the disk.
        DecisionLog.committed(try commitNow(writes), decision: "lounge.auto-close", by: logger)
    }
}

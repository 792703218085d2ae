import Foundation
public import SyncCore

extension HubCoordinator {
    /// An `audit_log` row written by the hub itself, to commit beside the
    /// change it records.
    public nonisolated func auditEntry(
        actor: String, action: String, target: String, outcome: String, at: Int64
    ) -> LocalWrite {
        .insert(
            "audit_log", "au-\(hubID)-\(UUID().uuidString.lowercased())",
            [
                "actor": .text(actor), "action": .text(action), "target": .text(target), "outcome": .text(outcome),
                "node": .text(hubID), "at": .int(at),
            ])
    }

    /// An audit entry at the hub for a console action, committed on its own.
    public func auditConsole(_ actor: String, action: String, target: String, outcome: String) async throws {
        let mall = malls.sorted().first ?? "hub"
        try await write(
            [auditEntry(actor: actor, action: action, target: target, outcome: outcome, at: Int64(clock.now()))],
            mall: mall, decision: action)
    }

    /// The hub's latest audit entries about one node (in any field), from
    /// its audit trail.
    public func audit(about node: String, limit: Int) throws -> [[String: String]] {
        try engine.store.auditTrail(about: node, limit: limit).map {
            [
                "actor": $0.actor, "action": $0.action, "target": $0.target, "outcome": $0.outcome, "node": $0.node,
                "at": String($0.at),
            ]
        }
    }
}

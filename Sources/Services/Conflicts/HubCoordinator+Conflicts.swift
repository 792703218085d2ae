import Foundation
import MallDomain
public import SyncCore

/// One entry of the conflict ledger as operators see it.
public struct ConflictEntry: Codable, Sendable {
    public var key: String
    public var mall: String
    public var kind: String
    public var item: String
    public var rule: String
    /// The event that stands (double uses); empty for scalper flags.
    public var winner: String
    /// Each side as recorded: for double uses `event`, `node`, `hlc`, `outcome`; for scalper flags `event`, `site`, `at`.
    public var sides: [[String: String]]
    public var status: String
    public var detectedAt: Int64
    public var claims: Int64
    public var resolution: String?
    public var resolvedBy: String?
    public var resolvedAt: Int64?
    public var note: String?
}

extension HubCoordinator {
    /// The ledger, newest first; only open entries when `openOnly`.
    public func conflicts(openOnly: Bool = false) throws -> [ConflictEntry] {
        try engine.store.rows(ofTable: ConflictLedger.tableName).compactMap { row -> ConflictEntry? in
            let values = row.state.values
            guard !values.isEmpty else { return nil }
            let sides =
                values["sides"]?.textValue.flatMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [[String: Any]]
                }?.map { side in side.mapValues { "\($0)" } } ?? []
            let entry = ConflictEntry(
                key: row.ref.key, mall: row.channel.mall, kind: values["kind"]?.textValue ?? "",
                item: values["item"]?.textValue ?? "", rule: values["rule"]?.textValue ?? "",
                winner: values["winner"]?.textValue ?? "", sides: sides, status: values["status"]?.textValue ?? "open",
                detectedAt: values["detected_at"]?.intValue ?? 0, claims: values["claims"]?.intValue ?? 0,
                resolution: values["resolution"]?.textValue, resolvedBy: values["resolved_by"]?.textValue,
                resolvedAt: values["resolved_at"]?.intValue, note: values["note"]?.textValue)
            return openOnly && entry.status != "open" ? nil : entry
        }.sorted { ($0.detectedAt, $0.key) > ($1.detectedAt, $1.key) }
    }

    /// The ledger's entries with a side at `node`, newest first: a double
    /// use's side names its node; a scalper flag's names only its event,
    /// whose key names the node that wrote it (the hub's key-owner rule,
    /// so that `g1` is not shown the events of a node `g1-2`).
    public func conflicts(involving node: NodeID) throws -> [ConflictEntry] {
        try conflicts().filter { entry in
            entry.sides.contains { side in side["node"] == node || side["event"].flatMap(engine.keyOwner) == node }
        }
    }

    /// An operator settles a conflict: `accept` keeps the rule's outcome,
    /// `override` makes another side's event the one that stands. The
    /// decision is a change of the row (it reaches every node of the channel)
    /// and is audited.
    public func resolveConflict(_ key: String, override winner: String?, note: String, actor: String) async throws {
        guard let row = try engine.store.row(RowRef(table: ConflictLedger.tableName, key: key)), row.state.isVisible
        else {
            throw AdminError(.notFound, "no conflict \(key)")
        }
        if let winner {
            let entry = try conflicts().first { $0.key == key }
            guard entry?.kind.hasPrefix("scalper.") == false else {
                throw AdminError(.invalid, "a scalper flag has no winner to override; accept it instead")
            }
            guard entry?.sides.contains(where: { $0["event"] == winner }) == true else {
                throw AdminError(.invalid, "\(winner) is not one of the conflict's sides")
            }
        }
        let now = Int64(clock.now())
        var columns: [String: Value] = [
            "status": .text("resolved"), "resolution": .text(winner == nil ? "accepted" : "overridden"),
            "resolved_by": .text(actor), "resolved_at": .int(now), "note": .text(note),
        ]
        if let winner { columns["winner"] = .text(winner) }
        try await write(
            [
                LocalWrite(
                    table: ConflictLedger.tableName, key: key, op: .update, columns: columns,
                    channelKind: row.channel.kind),
                auditEntry(
                    actor: actor, action: "conflict.resolve", target: key,
                    outcome: winner.map { "overridden: \($0) stands" } ?? "accepted", at: now),
            ], mall: row.channel.mall, decision: "conflict.resolve")
    }
}

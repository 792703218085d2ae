#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A node's change the hub took but did not apply (`Rights.conflict`): the
/// writes the hub makes for it. The conflict ledger records it (kind
/// `write.not-applied`, the hub's state standing), and a correction restores
/// the hub's state of the row at the origin, which applied the change when
/// it decided. Corrections are stamped above the change so they win there.
struct NotApplied {
    static let kind = "write.not-applied"

    var change: Change
    var reason: String
    /// The row at the hub, nil when it does not hold it.
    var row: RowState?
    /// Whether the hub collected the row's tombstone (§12).
    var collected = false

    /// The ledger entry, then the correction if the origin's replica differs.
    func corrections(now: UInt64, schema: SyncSchema) -> [LocalWrite] {
        var writes: [LocalWrite] = []
        if schema.recordsConflicts(on: change.channel.kind) {
            writes.append(.insert(ConflictLedger.tableName, "\(Self.kind):\(change.id)", ledgerColumns(now: now)))
        }
        if let correction = correction(schema: schema) { writes.append(correction) }
        return writes
    }

    /// What undoes the change at its origin: the hub's values of the columns
    /// it set, or a delete where the hub holds the row deleted or collected
    /// its tombstone (the origin holds its own insert or update visible).
    /// Only for mutable rows: an event can be neither updated nor deleted
    /// (such a correction would be a change every node refuses), and no
    /// honest node ever inserts over an existing event, since event keys
    /// name their node.
    private func correction(schema: SyncSchema) -> LocalWrite? {
        guard schema.tables[change.table]?.kind == .mutable else { return nil }
        if collected || row?.isTombstone == true {
            return change.op == .delete ? nil : .delete(change.table, change.key)
        }
        guard let row, row.inserted, change.op != .delete, !change.columns.isEmpty else { return nil }
        var columns: [String: Value] = [:]
        for name in change.columns.keys { columns[name] = row.cells[name]?.value ?? .null }
        return .update(change.table, change.key, columns)
    }

    private func ledgerColumns(now: UInt64) -> [String: Value] {
        let side = [
            "change": change.id.description, "node": change.id.origin, "hlc": change.hlc.description,
            "op": change.op.rawValue, "outcome": "not applied",
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings only: encoding cannot fail.
        let sides = String(decoding: try! encoder.encode([side]), as: UTF8.self)
        return [
            "kind": .text(Self.kind), "item": .text("\(change.table)/\(change.key)"), "rule": .text(reason),
            "winner": .text("hub"), "sides": .text(sides), "status": .text("open"),
            "detected_at": .int(Int64(clamping: now)), "claims": .int(1),
        ]
    }
}

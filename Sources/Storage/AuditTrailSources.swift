public import SyncCore

/// Which replicated rows are audit entries, and the entry each one makes:
/// what the hub's audit trail copies as rows reach it, and what a node's
/// `GET /v1/audit` lists. `audit_log` rows are entries as they are; a
/// schema may record an action in a row of its own instead (the mall's
/// gate passages, `AuditTrailSources.mall` in Services), so that the
/// action's commit writes one row, not two.
public struct AuditTrailSources: Sendable {
    /// The tables whose rows may be entries.
    public var tables: Set<String>
    /// The entry a visible row of one of `tables` makes (nil: none);
    /// `made` is when its stamp says it was made, for an entry with no `at`.
    public var makeEntry: @Sendable (_ ref: RowRef, _ state: RowState, _ made: Int64) -> AuditEntry?

    public init(
        tables: Set<String>,
        makeEntry: @escaping @Sendable (_ ref: RowRef, _ state: RowState, _ made: Int64) -> AuditEntry?
    ) {
        self.tables = tables
        self.makeEntry = makeEntry
    }

    /// `audit_log` rows, and nothing else.
    public static let auditLog = AuditTrailSources(tables: [AuditEntry.table]) { ref, state, made in
        AuditEntry(key: ref.key, values: state.values, made: made)
    }

    /// The entry `ref`'s row makes, if it is a visible row of one of
    /// `tables`, with when it was made (its newest stamp).
    public func entry(for ref: RowRef, _ state: RowState) -> (entry: AuditEntry, made: Int64)? {
        guard tables.contains(ref.table), state.isVisible,
            let made = state.newestWall.map({ Int64(clamping: $0) }),
            let entry = makeEntry(ref, state, made)
        else { return nil }
        return (entry, made)
    }
}

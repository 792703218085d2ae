/// What a node does with a newer schema's data (SPEC §16.1): a hub upgraded
/// before its nodes logs changes of tables and columns an older node's
/// schema lacks. The node checks their shape, passes them by and keeps
/// what it knows, so it goes on syncing; what it knows is checked in full.
/// A node's own changes are held to the hub's schema exactly: the hub is
/// upgraded first, so an unknown name from a node is an error, not news.
extension SyncSchema {
    /// Why a change the hub logged cannot be taken. A table this schema
    /// lacks, or a column a known table lacks, passes when its names and
    /// values have a valid shape.
    public func violation(ofLogged change: Change) -> String? {
        guard let table = tables[change.table] else {
            if let violation = Self.violation(ofUnknownTable: change.table, key: change.key) { return violation }
            if change.op == .delete && !change.columns.isEmpty { return "a delete sets no columns" }
            for (name, value) in change.columns {
                if let violation = Self.violation(ofUnknownColumn: name, value: value, in: change.table) {
                    return violation
                }
            }
            return nil
        }
        return violation(of: change, in: table, passingUnknownColumns: true)
    }

    /// Why a snapshot row of a channel of `kind` cannot be taken; unknown
    /// tables and columns pass as in `violation(ofLogged:)`.
    ///
    /// Each cell of a known table is looked up once: a column the table
    /// lacks passes by, as `known(_:)` would drop it; the rest is checked
    /// as `violation(of:)` checks it (a tenth of a bootstrap's decoding).
    public func violation(ofSnapshot row: SnapshotRow, on kind: Channel.Kind) -> String? {
        guard let table = tables[row.table] else {
            if let violation = Self.violation(ofUnknownTable: row.table, key: row.key) { return violation }
            for (name, cell) in row.state.cells {
                if let violation = Self.violation(ofUnknownColumn: name, value: cell.value, in: row.table) {
                    return violation
                }
            }
            return nil
        }
        guard table.channelKinds.contains(kind) else { return "snapshot row of table \(row.table) on \(kind)" }
        if let violation = Self.violation(ofKey: row.key) { return violation }
        for (name, cell) in row.state.cells {
            guard let type = table.columns[name] else { continue }
            if let violation = table.violation(column: name, of: type, value: cell.value) { return violation }
        }
        return nil
    }

    /// The part of a log entry this schema knows: its change without the
    /// cells of columns its table lacks, nil for a table it lacks.
    public func known(_ entry: LogEntry) -> LogEntry? {
        guard let table = tables[entry.change.table] else { return nil }
        // The usual case, on every apply: nothing to drop, nothing to copy,
        // and the entry keeps the row made of it as it was decoded.
        guard entry.change.columns.keys.contains(where: { table.columns[$0] == nil }) else { return entry }
        var known = entry
        known.change.columns = entry.change.columns.filter { table.columns[$0.key] != nil }
        return known
    }

    /// The part of a snapshot row this schema knows, as `known(_: LogEntry)`.
    public func known(_ row: SnapshotRow) -> SnapshotRow? {
        guard let table = tables[row.table] else { return nil }
        guard row.state.cells.keys.contains(where: { table.columns[$0] == nil }) else { return row }
        var known = row
        known.state.cells = row.state.cells.filter { table.columns[$0.key] != nil }
        return known
    }

    /// What a replica of a channel of `kind` holds under this schema: its
    /// tables and their columns, as a short hash. A node records it per
    /// channel and snapshots a channel again when it changes.
    public func fingerprint(of kind: Channel.Kind) -> String {
        var bytes = CanonicalBytes()
        for table in tables.values.filter({ $0.channelKinds.contains(kind) }).sorted(by: { $0.name < $1.name }) {
            bytes.append(text: "\(table.name):\(table.columns.keys.sorted().joined(separator: ","))")
        }
        return String(Digest64.fullHex(of: bytes.bytes).prefix(32))
    }

    private static func violation(ofUnknownTable table: String, key: String) -> String? {
        guard Identifier.isValid(table) else { return "invalid table name" }
        return violation(ofKey: key)
    }

    private static func violation(ofUnknownColumn name: String, value: Value, in table: String) -> String? {
        guard Identifier.isValid(name) else { return "invalid column name in \(table)" }
        return violation(ofValue: value, column: "\(table).\(name)")
    }
}

import GRDB
public import SyncCore

extension SQLiteHubStore {
    /// Every live row of `table` whose integer column `timeColumn` is at or
    /// after `since`, with the columns asked for, read by SQLite's
    /// `json_extract` rather than by decoding each row's merge state: what
    /// the hub re-reads at start to rebuild its in-memory watches.
    public func forEachRecentRow(
        of table: String, columns: [String], timeColumn: String, since: Int64,
        _ body: (_ key: String, _ channel: Channel, _ values: [String: Value]) throws -> Void
    ) throws {
        let path = { (column: String) in "$.cells.\"\(column)\".value" }
        let extracts = Array(repeating: "json_extract(state, ?)", count: columns.count).joined(separator: ", ")
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT key, channel, \(extracts) FROM rows
                    WHERE table_name = ? AND tombstone = 0 AND json_extract(state, ?) >= ?
                    """,
                arguments: StatementArguments(columns.map(path) + [table, path(timeColumn)]) + [since])
            while let row = try rows.next() {
                guard let channel = Channel(row[1] as String) else { continue }
                var values: [String: Value] = [:]
                for (index, column) in columns.enumerated() {
                    values[column] = Value(extracted: row[index + 2])
                }
                try body(row[0], channel, values)
            }
        }
    }
}

import GRDB
public import SyncCore

extension SQLiteHubStore {
    /// Every live row of `table` whose integer column `timeColumn` is at or
    /// after `since`, with the columns asked for (a null or missing cell
    /// left out): what the hub re-reads at start to rebuild its in-memory
    /// watches.
    public func forEachRecentRow(
        of table: String, columns: [String], timeColumn: String, since: Int64,
        _ body: (_ key: String, _ channel: Channel, _ values: [String: Value]) throws -> Void
    ) throws {
        try database.readKeepingStatements { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT key, channel, state FROM rows WHERE table_name = ? AND tombstone = 0",
                arguments: [table])
            while let row = try rows.next() {
                let state = try StoredState.decode(row[2])
                guard let time = state.cells[timeColumn]?.value.intValue, time >= since,
                    let channel = Channel(row[1] as String)
                else { continue }
                try body(row[0], channel, state.values(of: columns))
            }
        }
    }
}

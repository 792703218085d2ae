import GRDB
public import SyncCore

extension SQLiteReplica {
    /// The newest visible rows of event table `table` whose key starts with
    /// `keyPrefix`, newest first, each given to `take` until it has kept
    /// `limit`: what a node's audit listing reads, without decoding the
    /// month or more of rows behind them.
    ///
    /// Newest by `ends_at` (`rows_by_end`): an event row ends its table's
    /// retention after it was made, so within one table the order of ends
    /// is the order of making.
    public func newestEvents<Entry>(
        of table: String, keyPrefix: String = "", limit: Int,
        _ take: (_ key: String, _ state: RowState) throws -> Entry?
    ) throws -> [Entry] {
        guard limit > 0 else { return [] }
        return try database.readKeepingStatements { db in
            let rows = try Row.fetchCursor(
                try db.cachedStatement(
                    sql: """
                        SELECT key, state FROM rows INDEXED BY rows_by_end
                        WHERE table_name = ? AND visible = 1 AND substr(key, 1, ?) = ?
                        ORDER BY ends_at DESC
                        """),
                arguments: [table, keyPrefix.unicodeScalars.count, keyPrefix])
            var kept: [Entry] = []
            while kept.count < limit, let row = try rows.next() {
                if let entry = try take(row[0], try StoredState.decode(row[1])) { kept.append(entry) }
            }
            return kept
        }
    }
}

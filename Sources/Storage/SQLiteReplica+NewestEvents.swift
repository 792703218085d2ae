import GRDB
public import SyncCore

extension SQLiteReplica {
    /// The newest visible rows of event table `table` whose key starts with
    /// `keyPrefix`, newest first, each given to `take` until it has kept
    /// `limit` or looked at the newest `lookingAt` rows of the table: what a
    /// node's audit listing reads, without decoding the month or more of
    /// rows behind them. The bound keeps a listing short for a caller whose
    /// rows are rare among the table's (a new gate among the mall's
    /// passages): it holds the replica while it reads.
    ///
    /// Newest by `ends_at` (`rows_by_end`): for a table whose rows all keep
    /// the same time (a retention without a lapse, as the audit log's and
    /// the passages'), the order of ends is the order of making by the
    /// rows' stamps.
    public func newestEvents<Entry>(
        of table: String, keyPrefix: String = "", limit: Int, lookingAt bound: Int,
        _ take: (_ key: String, _ state: RowState) throws -> Entry?
    ) throws -> [Entry] {
        guard limit > 0, bound > 0 else { return [] }
        return try database.readKeepingStatements { db in
            let rows = try Row.fetchCursor(
                try db.cachedStatement(
                    sql: """
                        SELECT key, visible, state FROM rows INDEXED BY rows_by_end
                        WHERE table_name = ? ORDER BY ends_at DESC LIMIT ?
                        """),
                arguments: [table, bound])
            var kept: [Entry] = []
            while kept.count < limit, let row = try rows.next() {
                let key: String = row[0]
                guard row[1] as Bool, key.hasPrefix(keyPrefix) else { continue }
                if let entry = try take(key, try StoredState.decode(row[2])) { kept.append(entry) }
            }
            return kept
        }
    }
}

import GRDB
public import SyncCore

/// Event rows past their table's retention (SPEC §12.1): each row records
/// when it was made, so a sweep is one indexed delete per table.
extension SQLiteReplica {
    static func registerRowAges(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-row-made-at") { db in
            try db.execute(
                sql: """
                    ALTER TABLE rows ADD COLUMN made_at INTEGER;
                    CREATE INDEX rows_by_age ON rows (table_name, made_at);
                    """)
            try backfillMadeAt(db)
        }
    }

    /// Rows stored before the column existed learn their age from their state.
    static func backfillMadeAt(_ db: Database) throws {
        let tables = Schema.mall.tables.values.filter { $0.retainMillis != nil }.map(\.name)
        for table in tables {
            let rows = try Row.fetchAll(
                db, sql: "SELECT key, state FROM rows WHERE table_name = ?", arguments: [table])
            for row in rows {
                let state = try StoredJSON.decode(RowState.self, row["state"])
                try db.execute(
                    sql: "UPDATE rows SET made_at = ? WHERE table_name = ? AND key = ?",
                    arguments: [state.newestWall.map { Int64(clamping: $0) }, table, row["key"] as String])
            }
        }
    }

    /// Deletes the event rows past their table's retention at `now`.
    /// - Returns: the rows deleted.
    public func dropExpired(now: UInt64) throws -> [RowRef] {
        try database.write { db in
            var dropped: [RowRef] = []
            for table in Schema.mall.tables.values.sorted(by: { $0.name < $1.name }) {
                guard let retain = table.retainMillis, now >= retain else { continue }
                let keys = try String.fetchAll(
                    db, sql: "DELETE FROM rows WHERE table_name = ? AND made_at <= ? RETURNING key",
                    arguments: [table.name, Int64(clamping: now - retain)])
                dropped += keys.map { RowRef(table: table.name, key: $0) }
            }
            return dropped
        }
    }
}

import GRDB
public import SyncCore

/// Event rows past their table's retention (SPEC §12.1): each row records
/// when it ends (`SyncSchema.Table.endOfLife`), so a sweep is one indexed delete
/// per table.
extension SQLiteReplica {
    static func registerRowAges(in migrator: inout DatabaseMigrator, schema: SyncSchema) {
        migrator.registerMigration("v4-row-ends-at") { db in
            try db.execute(
                sql: """
                    ALTER TABLE rows ADD COLUMN ends_at INTEGER;
                    CREATE INDEX rows_by_end ON rows (table_name, ends_at);
                    """)
            try backfillEndsAt(db, schema: schema)
        }
        // An audit entry now leaves after a month (the hub keeps its trail).
        migrator.registerMigration("v5-audit-retention") { db in
            try backfillEndsAt(db, schema: schema, tables: ["audit_log"])
        }
    }

    /// Rows stored before the column existed, or before their table's rule
    /// changed, learn their end from their state (the hub's store uses this too).
    /// Migrations only, all of them before states became bytes
    /// (`v12-state-bytes`, `v13-state-bytes`): the state is read as JSON.
    static func backfillEndsAt(_ db: Database, schema: SyncSchema, tables names: Set<String>? = nil) throws {
        for table in schema.tables.values
        where (table.retainMillis != nil || table.retirement != nil) && names?.contains(table.name) != false {
            let rows = try Row.fetchAll(
                db, sql: "SELECT key, state FROM rows WHERE table_name = ?", arguments: [table.name])
            for row in rows {
                let state = try StoredJSON.decode(RowState.self, row["state"])
                try db.execute(
                    sql: "UPDATE rows SET ends_at = ? WHERE table_name = ? AND key = ?",
                    arguments: [endsAt(state, of: table.name, schema: schema), table.name, row["key"] as String])
            }
        }
    }

    /// The `ends_at` column of a row: when it leaves (SQLite integers are signed).
    static func endsAt(_ state: RowState, of table: String, schema: SyncSchema) -> Int64? {
        schema.tables[table]?.endOfLife(state).map { Int64(clamping: $0) }
    }

    /// Deletes the event rows past their table's retention at `now`.
    /// - Returns: the rows deleted.
    public func dropExpired(now: UInt64) throws -> [RowRef] {
        try database.write { db in
            var dropped: [RowRef] = []
            for table in self.schema.tables.values.sorted(by: { $0.name < $1.name }) {
                guard table.retainMillis != nil else { continue }
                let keys = try String.fetchAll(
                    db, sql: "DELETE FROM rows WHERE table_name = ? AND ends_at <= ? RETURNING key",
                    arguments: [table.name, Int64(clamping: now)])
                dropped += keys.map { RowRef(table: table.name, key: $0) }
            }
            return dropped
        }
    }
}

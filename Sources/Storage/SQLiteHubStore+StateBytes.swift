import GRDB

/// The hub's merge states as compact bytes (SPEC §12.5) instead of JSON.
extension SQLiteHubStore {
    static func registerStateBytes(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v13-state-bytes") { db in
            try StoredState.convertFromJSON(
                db, table: "rows",
                columns: ["table_name", "key", "channel", "seq", "tombstone", "state", "ends_at"],
                definition: """
                    table_name TEXT NOT NULL, key TEXT NOT NULL, channel TEXT NOT NULL, seq INTEGER NOT NULL,
                    tombstone INTEGER NOT NULL, state BLOB NOT NULL, ends_at INTEGER, PRIMARY KEY (table_name, key)
                    """,
                indexes: [
                    "CREATE INDEX rows_by_channel ON rows (channel, tombstone, seq)",
                    "CREATE INDEX rows_by_end ON rows (table_name, ends_at)",
                    "CREATE INDEX rows_by_channel_key ON rows (channel, table_name, key)",
                ])
        }
    }
}

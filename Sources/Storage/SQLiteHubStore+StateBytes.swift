import GRDB

/// The hub's merge states and logged changes as compact bytes (SPEC §12.5)
/// instead of JSON.
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
        // The log's changes too: the hub encoded every change it took as
        // JSON, and decoded every one it sent again in a resend.
        migrator.registerMigration("v14-log-change-bytes") { db in
            try StoredChange.convertFromJSON(
                db, table: "log",
                columns: ["seq", "origin", "epoch", "oseq", "hash", "chain", "channel", "table_name", "key", "change"],
                definition: """
                    seq INTEGER PRIMARY KEY, origin TEXT NOT NULL, epoch INTEGER NOT NULL, oseq INTEGER NOT NULL,
                    hash TEXT NOT NULL, chain TEXT NOT NULL, channel TEXT NOT NULL, table_name TEXT NOT NULL,
                    key TEXT NOT NULL, change BLOB, UNIQUE (origin, epoch, oseq)
                    """,
                indexes: [
                    "CREATE INDEX log_by_channel ON log (channel, seq)",
                    "CREATE INDEX log_by_row ON log (table_name, key, seq)",
                    "CREATE INDEX log_by_content ON log (origin, hash)",
                ])
        }
    }
}

import GRDB

/// The replica's merge states and changes as compact bytes (SPEC §12.5)
/// instead of JSON.
extension SQLiteReplica {
    static func registerStateBytes(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v12-state-bytes") { db in
            try StoredState.convertFromJSON(
                db, table: "rows",
                columns: [
                    "table_name", "key", "channel", "seq", "visible", "tombstone", "state", "ends_at", "pending",
                ],
                definition: """
                    table_name TEXT NOT NULL, key TEXT NOT NULL, channel TEXT NOT NULL, seq INTEGER NOT NULL,
                    visible INTEGER NOT NULL, tombstone INTEGER NOT NULL, state BLOB NOT NULL, ends_at INTEGER,
                    pending TEXT, PRIMARY KEY (table_name, key)
                    """,
                indexes: [
                    "CREATE INDEX rows_by_channel ON rows (channel, table_name, key)",
                    "CREATE INDEX rows_by_end ON rows (table_name, ends_at)",
                ])
            // A snapshot staged as JSON starts over: it costs one request,
            // where converting it would cost as much as taking it again.
            try db.execute(
                sql: """
                    DROP TABLE snapshot_rows;
                    DELETE FROM snapshot_progress;
                    CREATE TABLE snapshot_rows (
                        channel TEXT NOT NULL, table_name TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,
                        visible INTEGER NOT NULL, tombstone INTEGER NOT NULL, state BLOB NOT NULL, ends_at INTEGER,
                        PRIMARY KEY (channel, table_name, key)) STRICT;
                    """)
        }
        // The outbox and the acknowledged changes hold their changes as
        // bytes too: a decision's commit encoded each change as JSON.
        migrator.registerMigration("v13-change-bytes") { db in
            let kept = ["epoch", "seq", "chain", "hlc_wall", "hlc_counter", "channel", "change"]
            try StoredChange.convertFromJSON(
                db, table: "outbox", columns: kept + ["first_acked_at"],
                definition: """
                    epoch INTEGER NOT NULL, seq INTEGER NOT NULL, chain TEXT NOT NULL,
                    hlc_wall INTEGER NOT NULL, hlc_counter INTEGER NOT NULL, channel TEXT NOT NULL,
                    change BLOB NOT NULL, first_acked_at INTEGER, PRIMARY KEY (epoch, seq)
                    """,
                indexes: ["CREATE INDEX outbox_by_age ON outbox (hlc_wall, hlc_counter)"])
            try StoredChange.convertFromJSON(
                db, table: "acknowledged", columns: kept + ["acked_at"],
                definition: """
                    epoch INTEGER NOT NULL, seq INTEGER NOT NULL, chain TEXT NOT NULL,
                    hlc_wall INTEGER NOT NULL, hlc_counter INTEGER NOT NULL, channel TEXT NOT NULL,
                    change BLOB NOT NULL, acked_at INTEGER NOT NULL, PRIMARY KEY (epoch, seq)
                    """,
                indexes: ["CREATE INDEX acknowledged_by_time ON acknowledged (acked_at)"])
        }
    }
}

import GRDB

/// The replica's small key/value tables (`meta`, `meta_text`, `cursors`)
/// are stored in the order of their key (`WITHOUT ROWID`).
///
/// As rowid tables, a value written by `INSERT OR REPLACE` was deleted and
/// inserted again under a new rowid: the table's page and its key's
/// automatic index both changed. Every local commit writes the chain's tip
/// and the clock (`meta`, `meta_text`), and every remote batch its cursor,
/// so each cost two pages of the WAL where one does: a gate decision wrote
/// about 17 pages, and these were two of them.
///
/// `rows` and `outbox` stay rowid tables: their records (a state or a
/// change of a few hundred bytes) would sit in the key's interior pages
/// too, and the outbox, written at its end, would lose SQLite's quick split
/// for appends (measured: more pages per decision, not fewer).
extension SQLiteReplica {
    static func registerKeyedTables(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v15-keyed-tables") { db in
            let tables = [
                (name: "meta", key: "key", value: "value", type: "INTEGER"),
                (name: "meta_text", key: "key", value: "value", type: "TEXT"),
                (name: "cursors", key: "channel", value: "seq", type: "INTEGER"),
            ]
            for table in tables {
                try db.execute(
                    sql: """
                        CREATE TABLE \(table.name)_keyed (
                            \(table.key) TEXT NOT NULL PRIMARY KEY, \(table.value) \(table.type) NOT NULL
                        ) STRICT, WITHOUT ROWID;
                        INSERT INTO \(table.name)_keyed (\(table.key), \(table.value))
                            SELECT \(table.key), \(table.value) FROM \(table.name) ORDER BY \(table.key);
                        DROP TABLE \(table.name);
                        ALTER TABLE \(table.name)_keyed RENAME TO \(table.name);
                        """)
            }
        }
    }
}

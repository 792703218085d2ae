import GRDB
public import SyncCore

/// Which of the log's entries the hub checked under the schema it runs
/// with (`SyncSchema.changeCheckID`): those go out in a resend answer as
/// they are stored, undecoded.
extension SQLiteHubStore {
    static func registerLogChecks(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v15-log-checks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE log_checks (
                        id INTEGER PRIMARY KEY CHECK (id = 1), check_id TEXT NOT NULL, after_seq INTEGER NOT NULL
                    ) STRICT
                    """)
        }
    }

    public func logCheckedAfter(checkID: String) throws -> UInt64 {
        try database.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT check_id, after_seq FROM log_checks WHERE id = 1"),
                row["check_id"] as String == checkID
            {
                return try stored(row["after_seq"], "log checked after")
            }
            // Entries pruned from the log do not count: they are never sent.
            let last = try stored(try Int64.fetchOne(db, sql: "SELECT max(seq) FROM log") ?? 0, "log seq")
            try db.execute(
                sql: "INSERT OR REPLACE INTO log_checks (id, check_id, after_seq) VALUES (1, ?, ?)",
                arguments: [checkID, Int64(last)])
            return last
        }
    }

    public func entryBytes(channel: Channel, after: UInt64, limit: Int) throws -> [EntryBytes] {
        try logged(channel: channel, after: after, limit: limit) { seq, stored in
            guard stored.first == StoredChange.version else {
                throw StorageError(.corrupt, "a logged change of \(channel) is not of version \(StoredChange.version)")
            }
            return EntryBytes(seq: seq, change: [UInt8](stored.dropFirst()))
        }
    }
}

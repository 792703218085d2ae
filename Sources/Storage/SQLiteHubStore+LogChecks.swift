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
                        id INTEGER PRIMARY KEY CHECK (id = 1), check_id TEXT NOT NULL, after_seq INTEGER NOT NULL,
                        epoch INTEGER NOT NULL
                    ) STRICT
                    """)
        }
    }

    /// The mark stands if it was set or kept under `checkID` in this run or
    /// the one before (its epoch is the store's, or one less): a run in
    /// between that kept no mark (an older version rolled back to, a tool
    /// that wrote the log) took an epoch of its own and may have logged
    /// anything.
    public func logCheckedAfter(checkID: String) throws -> UInt64 {
        try database.write { db in
            let epoch = try stored(
                try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'epoch'") ?? 0, "meta epoch")
            var after: UInt64
            if let row = try Row.fetchOne(db, sql: "SELECT check_id, after_seq, epoch FROM log_checks WHERE id = 1"),
                row["check_id"] as String == checkID,
                case let marked = try stored(row["epoch"], "log check epoch"), marked == epoch || marked + 1 == epoch
            {
                after = try stored(row["after_seq"], "log checked after")
            } else {
                // Entries pruned from the log do not count: they are never sent.
                after = try stored(try Int64.fetchOne(db, sql: "SELECT max(seq) FROM log") ?? 0, "log seq")
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO log_checks (id, check_id, after_seq, epoch) VALUES (1, ?, ?, ?)",
                arguments: [checkID, Int64(after), Int64(epoch)])
            return after
        }
    }

    /// Past `seq`, an entry logged without fitting the schema (`HubIngest.uncheckedThrough`).
    static func moveLogCheckMark(past seq: UInt64, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE log_checks SET after_seq = max(after_seq, ?)").execute(
            arguments: [Int64(seq)])
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

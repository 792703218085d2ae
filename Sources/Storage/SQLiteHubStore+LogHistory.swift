import Foundation
import GRDB
import SyncCore

/// The histories of the hub's log (§9.6). A backup carries a mark of when it
/// was taken; a hub that starts on a store with that mark was put back in
/// time, however the file got there (`mall-hub restore`, a copy by hand), and
/// starts a new history at the log position the backup holds.
extension SQLiteHubStore {
    static func registerLogHistories(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-log-histories") { db in
            try db.execute(
                sql: """
                    CREATE TABLE log_histories (
                        ordinal INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, from_seq INTEGER NOT NULL,
                        started_at INTEGER NOT NULL, backup_taken_at INTEGER) STRICT;
                    """)
        }
        // A change taken without being applied is recorded as an alias: sent
        // again under another id (after a replay), it must be found by content.
        migrator.registerMigration("v7-aliases-by-content") { db in
            try db.execute(sql: "CREATE INDEX aliases_by_content ON aliases (origin, hash)")
        }
    }

    /// The key of the mark a backup carries: when it was taken (ms since 1970).
    static let backupMarkKey = "backup_taken_at"

    /// Reads the histories at a start, beginning the first one on a new store
    /// and a new one on a store restored from a backup; on a restore the hub
    /// epoch also jumps to the time in seconds, past any epoch the lost run
    /// may have used.
    static func startHistory(_ db: Database, lastSeq: UInt64, epoch: inout Int64) throws -> HubHistory {
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let backupTakenAt = try Int64.fetchOne(
            db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [backupMarkKey])
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM log_histories") ?? 0
        if count == 0 || backupTakenAt != nil {
            try db.execute(
                sql: "INSERT INTO log_histories (id, from_seq, started_at, backup_taken_at) VALUES (?, ?, ?, ?)",
                arguments: [
                    "h-\(UUID().uuidString.lowercased().prefix(18))", Int64(count == 0 ? 0 : lastSeq),
                    Int64(now), count == 0 ? nil : backupTakenAt,
                ])
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [backupMarkKey])
            if count > 0 {
                epoch = max(epoch, Int64(now / 1000))
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('epoch', ?)", arguments: [epoch])
            }
        }
        let rows = try Row.fetchAll(
            db, sql: "SELECT id, from_seq, started_at, backup_taken_at FROM log_histories ORDER BY ordinal")
        let marks = rows.map { HistoryMark(id: $0["id"], from: UInt64(clamping: $0["from_seq"] as Int64)) }
        let restore = rows.last.flatMap { row in
            (row["backup_taken_at"] as Int64?).map {
                HubHistory.Restore(
                    startedAt: UInt64(clamping: row["started_at"] as Int64), backupTakenAt: UInt64(clamping: $0))
            }
        }
        return HubHistory(marks: marks, restore: restore)
    }

    /// Marks a copy as a backup taken at `takenAt` (ms since 1970).
    static func markAsBackup(_ db: Database, takenAt: UInt64) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            arguments: [backupMarkKey, Int64(clamping: takenAt)])
    }
}

import Foundation
import GRDB

/// A copy of the hub's store taken while the hub runs, with SQLite's online
/// backup API: a consistent snapshot of one moment, page by page, without
/// stopping ingest for long. The copy carries the time it was taken, so a
/// hub started on it knows it went back in time (§9.6).
public struct HubBackup: Sendable {
    public var bytes: Int
    /// The hub's log position the copy holds.
    public var logPosition: Int64
    public var seconds: Double

    /// Copies the store at `source` into a new file at `destination` and
    /// checks the copy (`PRAGMA integrity_check`). Refuses to overwrite.
    public static func take(from source: String, to destination: String) throws -> HubBackup {
        guard FileManager.default.fileExists(atPath: source) else {
            throw StorageError(.durability, "no hub store at \(source)")
        }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StorageError(.durability, "\(destination) exists: a backup never overwrites a file")
        }
        let started = Date()
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let store = try DatabaseQueue(path: source, configuration: configuration)
        let copy = try DatabaseQueue(path: destination)
        try store.backup(to: copy)
        try store.close()
        try copy.write { db in
            try SQLiteHubStore.markAsBackup(db, takenAt: UInt64(started.timeIntervalSince1970 * 1000))
        }
        let report = try check(copy)
        try copy.close()
        guard report.problem == nil else {
            try? FileManager.default.removeItem(atPath: destination)
            throw StorageError(.corrupt, "the copy failed its integrity check: \(report.problem!)")
        }
        return HubBackup(
            bytes: report.bytes, logPosition: report.logPosition, seconds: Date().timeIntervalSince(started))
    }

    /// Puts the backup at `backup` in place of the store at `store`, which no
    /// hub may be running on (its `StoreLock` is taken for the time of the
    /// swap). The backup is checked first and left as it is; the store it
    /// replaces is kept beside it, renamed, with its write-ahead log.
    ///
    /// The hub started on the restored store begins a new log history and
    /// takes back from the fleet what it acknowledged since the backup.
    /// - Returns: the backup as restored, and where the replaced store went.
    public static func restore(_ backup: String, to store: String) throws -> (HubBackup, keptAs: String?) {
        guard FileManager.default.fileExists(atPath: backup) else {
            throw StorageError(.durability, "no backup at \(backup)")
        }
        let started = Date()
        let lock = try StoreLock(storePath: store)
        defer { withExtendedLifetime(lock) {} }
        var configuration = Configuration()
        configuration.readonly = true
        let source = try DatabaseQueue(path: backup, configuration: configuration)
        let sourceReport = try check(source)
        if let problem = sourceReport.problem {
            throw StorageError(.corrupt, "\(backup) is not a sound hub store: \(problem)")
        }
        let staging = store + ".restoring"
        try? FileManager.default.removeItem(atPath: staging)
        let copy = try DatabaseQueue(path: staging)
        try source.backup(to: copy)
        try source.close()
        try copy.write { db in
            // A plain copy of a stopped hub's file carries no mark: its last
            // change is as early as the backup can have been taken.
            if try Int64.fetchOne(
                db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [SQLiteHubStore.backupMarkKey]) == nil
            {
                let latest = try Int64.fetchOne(db, sql: "SELECT max(hlc_wall) FROM high_waters") ?? 0
                try SQLiteHubStore.markAsBackup(db, takenAt: UInt64(clamping: latest))
            }
        }
        try copy.close()
        var keptAs: String?
        let files = FileManager.default
        if files.fileExists(atPath: store) {
            let stamp = Int(started.timeIntervalSince1970)
            keptAs = "\(store).before-restore-\(stamp)"
            for suffix in ["", "-wal", "-shm"] where files.fileExists(atPath: store + suffix) {
                try files.moveItem(atPath: store + suffix, toPath: keptAs! + suffix)
            }
        }
        try files.moveItem(atPath: staging, toPath: store)
        return (
            HubBackup(
                bytes: sourceReport.bytes, logPosition: sourceReport.logPosition,
                seconds: Date().timeIntervalSince(started)),
            keptAs
        )
    }

    private static func check(_ database: DatabaseQueue) throws -> (problem: String?, logPosition: Int64, bytes: Int) {
        try database.readKeepingStatements { db in
            let check = try String.fetchOne(db, sql: "PRAGMA integrity_check")
            guard try db.tableExists("log"), try db.tableExists("meta") else {
                return ("it has no hub log", 0, 0)
            }
            let position = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM log") ?? 0
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            return (check == "ok" ? nil : check ?? "no answer", position, pages * pageSize)
        }
    }
}

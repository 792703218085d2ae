import Foundation
import GRDB

/// A copy of the hub's store taken while the hub runs, with SQLite's online
/// backup API: a consistent snapshot of one moment, page by page, without
/// stopping ingest for long. Restoring one and the recovery of what the
/// fleet held after it are not built yet (RELIABILITY.md).
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
        let (check, position, pages, pageSize) = try copy.read { db in
            (
                try String.fetchOne(db, sql: "PRAGMA integrity_check"),
                try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM log") ?? 0,
                try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0, try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            )
        }
        try copy.close()
        try store.close()
        guard check == "ok" else {
            try? FileManager.default.removeItem(atPath: destination)
            throw StorageError(.corrupt, "the copy failed its integrity check: \(check ?? "no answer")")
        }
        return HubBackup(bytes: pages * pageSize, logPosition: position, seconds: Date().timeIntervalSince(started))
    }
}

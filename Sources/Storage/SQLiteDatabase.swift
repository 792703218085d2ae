import Foundation
import GRDB
import SyncCore

/// Opens a SQLite file the way every MallEdge store needs it: WAL, and
/// `synchronous=FULL` on the writer, checked after opening.
///
/// FULL is the only setting under which a commit survives power loss (one
/// fsync per commit, ≈ 4.5 ms here). GRDB's `DatabasePool` resets its writer
/// to NORMAL after the setup hook, so we use a `DatabaseQueue` (one
/// connection, and each store is single-writer anyway), set FULL after opening
/// and refuse to start if it does not hold.
enum SQLiteDatabase {
    /// The writer's automatic checkpoint, in pages of WAL: a safety net
    /// beyond the checkpoints `GroupCommit` runs in pauses between commits
    /// (at most `GroupCommit.commitsForcingCheckpoint` commits of about 20
    /// pages apart), so that a decision's commit does not run one itself.
    static let walAutocheckpointPages = 10_000

    static func open(path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(5)
        let queue: DatabaseQueue
        if path == ":memory:" {
            queue = try DatabaseQueue(configuration: configuration)
        } else {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            queue = try DatabaseQueue(path: path, configuration: configuration)
        }
        try queue.writeWithoutTransaction { db in
            try db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute()
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(walAutocheckpointPages)")
        }
        let level = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        guard level == 2 else { throw StorageError(.durability, "synchronous is \(level ?? -1), not FULL (2)") }
        return queue
    }

    /// Runs `body` in one transaction committed with `synchronous=NORMAL`
    /// (its WAL frames written, not synced), then counts it to `group`:
    /// the commit is durable once `group.waitUntilDurable()` returns. The
    /// connection is FULL again afterwards, whatever `body` did.
    static func writeDeferringSync<T>(
        _ queue: DatabaseQueue, group: GroupCommit, _ body: (Database) throws -> T
    ) throws -> T {
        let value = try queue.writeWithoutTransaction { db in
            try db.cachedStatement(sql: "PRAGMA synchronous = NORMAL").execute()
            let outcome = Result { try inCachedTransaction(db) { try body(db) } }
            try db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute()
            return try outcome.get()
        }
        group.committed()
        return value
    }

    /// `Database.inTransaction` (immediate) with its `BEGIN` and `COMMIT`
    /// as cached statements: GRDB parses both anew for every transaction,
    /// about 5 % of a gate decision's CPU. On any error the transaction is
    /// rolled back, unless SQLite rolled it back itself (a full disk, an I/O
    /// error), and the first error is thrown.
    static func inCachedTransaction<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            let value = try body()
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
            return value
        } catch {
            if db.isInsideTransaction { try? db.rollback() }
            throw error
        }
    }

    /// Runs `body` in one FULL transaction whose commit does not run the
    /// writer's automatic checkpoint, and has `group` checkpoint the whole
    /// WAL on its own connection instead (turning the automatic checkpoint
    /// back on after it): for a transaction of hundreds of megabytes (a
    /// snapshot's install), whose checkpoint held up the node's actor for
    /// 1.5 s after a bootstrap of 1,000,000 rows.
    static func writeCheckpointingAside<T>(
        _ queue: DatabaseQueue, group: GroupCommit, _ body: (Database) throws -> T
    ) throws -> T {
        let value = try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            var value: T?
            let outcome = Result {
                try db.inTransaction {
                    value = try body(db)
                    return .commit
                }
            }
            // Left off until the group's checkpoint is done, unless nothing
            // was committed; the transaction's own error is the one thrown.
            if case .failure = outcome {
                _ = try? db.execute(sql: "PRAGMA wal_autocheckpoint = \(walAutocheckpointPages)")
            }
            try outcome.get()
            return value!
        }
        group.checkpointWhole()
        return value
    }

    /// Throws `outdated` unless every migration of `migrator` has run on the store.
    static func requireUpgraded(_ queue: DatabaseQueue, by migrator: DatabaseMigrator, path: String) throws {
        guard try queue.read({ try migrator.hasCompletedMigrations($0) }) else {
            throw StorageError(
                .outdated, "\(path) is not upgraded to this version yet: start its process on it first")
        }
    }

    /// The current `synchronous` level of the connection (2 is FULL).
    static func synchronousLevel(_ queue: DatabaseQueue) throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }
}

/// Errors of the storage layer, with the operation that failed. Row contents
/// never appear in them.
public struct StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case durability
        case corrupt
        /// Another process holds the store (`StoreLock`).
        case inUse
        /// The store predates this version's migrations, and the caller
        /// may not run them.
        case outdated
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}

/// JSON for the changes and records kept in SQLite columns (merge states
/// are bytes: `StoredState`).
enum StoredJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StorageError(.corrupt, "stored \(T.self) does not decode")
        }
    }
}

extension DatabaseQueue {
    /// Runs `body` in one deferred read transaction, without the
    /// `PRAGMA query_only` toggles of GRDB's `read`: `query_only` is a flag
    /// pragma, and SQLite expires every prepared statement of the connection
    /// when one is set, so each `read` made every cached statement compile
    /// again at its next use (parser and authorizer were a tenth of the hub's
    /// ingest CPU). Stores write only through their own methods, so the
    /// read-only guard was not what kept these closures from writing.
    ///
    /// Reentrant: called inside another of these reads (a store's
    /// `readingTogether`), it runs in that read's transaction, on its
    /// connection, without a second trip through the queue.
    func readKeepingStatements<T>(_ body: (Database) throws -> T) throws -> T {
        try unsafeReentrantWrite { db in
            if db.isInsideTransaction { return try body(db) }
            var value: T?
            try db.inTransaction(.deferred) {
                value = try body(db)
                return .commit
            }
            return value!
        }
    }

    /// Runs `body`, which reads with one statement, in SQLite's implicit
    /// transaction of that statement (one snapshot of the database, as a
    /// deferred transaction would give): a `BEGIN` and a `COMMIT` around a
    /// point query cost more than the query, and a gate decision looked up
    /// each row it writes that way. Inside another transaction, in that one.
    func readWithOneStatement<T>(_ body: (Database) throws -> T) throws -> T {
        try unsafeReentrantWrite { db in try body(db) }
    }
}

import Foundation
public import GRDB

/// The baselines beside MallEdge's storage figures: a plain SQLite file set
/// up as the replica is (WAL, `synchronous = FULL`), one table, no sync
/// metadata, driven through GRDB with cached statements.
public enum RawSQLite {
    /// A value of about a gate passage's stored size.
    public static let passageSizedValue = String(repeating: "x", count: 600)

    /// A new file at `path` holding one table (`table` is its definition,
    /// such as `t (key TEXT PRIMARY KEY, value TEXT NOT NULL)`).
    public static func database(path: String, table: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.journalMode = .wal
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE \(table)")
        }
        return queue
    }

    /// A table of keyed passage-sized rows, for one-row commits and point
    /// queries, already holding `prefill` rows keyed `p0`, `p1`, ….
    public static func keyedTable(path: String, prefill: Int = 0) throws -> DatabaseQueue {
        let queue = try database(path: path, table: "t (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        try queue.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO t (key, value) VALUES (?, ?)")
            for index in 0..<prefill { try insert.execute(arguments: ["p\(index)", passageSizedValue]) }
        }
        return queue
    }

    /// One passage-sized row in its own transaction, synced (`synchronous =
    /// FULL`) before it returns: the floor under a durable decision.
    public static func commitOneRow(_ queue: DatabaseQueue, key: String) throws {
        try queue.write { db in
            try db.cachedStatement(sql: "INSERT INTO t (key, value) VALUES (?, ?)")
                .execute(arguments: [key, passageSizedValue])
        }
    }

    /// The value under `key`, read by primary key: the floor under a lookup
    /// that goes to the file.
    public static func pointQuery(_ queue: DatabaseQueue, key: String) throws -> String? {
        try queue.read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM t WHERE key = ?"), arguments: [key])
        }
    }

    /// Rows of the size of a reservation's stored state, 500 per transaction
    /// (WAL, `synchronous = FULL`, as the replica is).
    public static func insertStateSizedRows(count: Int, path: String) throws -> Duration {
        let queue = try database(
            path: path, table: "rows (key TEXT PRIMARY KEY, seq INTEGER NOT NULL, state BLOB NOT NULL)")
        let state = Data(repeating: 0x5A, count: 160)
        let started = ContinuousClock.now
        for first in stride(from: 0, to: count, by: 500) {
            try queue.write { db in
                let statement = try db.cachedStatement(sql: "INSERT INTO rows (key, seq, state) VALUES (?, ?, ?)")
                for index in first..<min(first + 500, count) {
                    try statement.execute(arguments: ["r-\(index)", index, state])
                }
            }
        }
        return ContinuousClock.now - started
    }
}

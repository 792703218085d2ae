import Foundation
import GRDB
import GRDBSQLite
import Testing

@testable import Storage

/// The stores' reads keep the connection's prepared statements compiled:
/// GRDB's `read` toggles `PRAGMA query_only`, a flag pragma SQLite answers by
/// expiring every prepared statement, and each read then recompiled every
/// cached statement (a tenth of the hub's ingest CPU).
@Suite struct CompiledStatementsTests {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("malledge-statements-\(UUID().uuidString).sqlite").path

    /// How often SQLite compiled the cached count statement again.
    func recompilations(_ queue: DatabaseQueue) throws -> Int32 {
        try queue.writeWithoutTransaction { db in
            sqlite3_stmt_status(
                try db.cachedStatement(sql: "SELECT count(*) FROM t").sqliteStatement, SQLITE_STMTSTATUS_REPREPARE, 0)
        }
    }

    @Test func readsInATransactionOfTheirOwnRecompileNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try SQLiteDatabase.open(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (a INTEGER)") }
        for _ in 0..<5 {
            _ = try queue.readKeepingStatements { db in
                try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM t"))
            }
        }
        #expect(try recompilations(queue) == 0)
    }

    @Test func grdbsReadRecompilesEveryCachedStatement() throws {
        // The negative control: what the stores no longer do.
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try SQLiteDatabase.open(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (a INTEGER)") }
        for _ in 0..<5 {
            _ = try queue.read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM t")) }
        }
        #expect(try recompilations(queue) >= 4)
    }
}

import Foundation
import GRDB
import Testing

@testable import Storage

@Suite struct ParameterBindingTests {
    private func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (n INTEGER, s TEXT, b BLOB, o TEXT)") }
        return queue
    }

    @Test func bindsEachKindInOrderKeepingEmptyApartFromNull() throws {
        let queue = try database()
        try queue.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?)")
            try insert.execute { bind in
                bind.int(-7)
                bind.text("")
                bind.blob([])
                bind.text(nil)
            }
            try insert.execute { bind in
                bind.bool(true)
                bind.text("沪A·12345")
                bind.blob([0, 1, 255])
                bind.int(nil)
            }
        }
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT n, s, typeof(s), b, typeof(b), typeof(o) FROM t ORDER BY rowid")
        }
        #expect(rows.count == 2)
        #expect(rows[0][0] as Int64 == -7)
        #expect(rows[0][1] as String == "" && rows[0][2] as String == "text")
        #expect(rows[0][4] as String == "blob" && rows[0][5] as String == "null")
        #expect(rows[1][0] as Int64 == 1 && rows[1][1] as String == "沪A·12345")
        #expect([UInt8](rows[1][3] as Data) == [0, 1, 255] && rows[1][5] as String == "null")
    }

    @Test func aParameterLeftOutOrOneTooManyIsAnErrorAndWritesNothing() throws {
        let queue = try database()
        try queue.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?)")
            #expect(throws: DatabaseError.self) {
                try insert.execute { bind in
                    bind.int(1)
                    bind.text("a")
                    bind.blob([1])
                }
            }
            #expect(throws: DatabaseError.self) {
                try insert.execute { bind in
                    for _ in 0..<5 { bind.int(1) }
                }
            }
            // The statement is usable again after a failure
            try insert.execute { bind in
                bind.int(2)
                bind.text("b")
                bind.blob([2])
                bind.text("c")
            }
        }
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 1)
    }
}

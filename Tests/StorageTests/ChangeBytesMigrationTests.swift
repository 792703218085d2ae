import Foundation
import GRDB
import SyncCore
import Testing

@testable import Storage

/// Stores written when the outbox, the acknowledged changes and the hub's
/// log held their changes as JSON text: the upgrade rewrites them as bytes,
/// each reads back as it was, and the indexes are there again.
@Suite struct ChangeBytesMigrationTests {
    static func change(_ seq: UInt64, _ columns: [String: Value]) -> Change {
        Change(
            id: ChangeID(origin: "gate-1", epoch: 2, seq: seq),
            hlc: HybridTimestamp(wallMillis: 1_800_000_000_000 + seq),
            table: "gate_passages", key: "gp-gate-1-2-\(seq)", channel: Channel(mall: "m", kind: .parking),
            op: .insert, columns: columns)
    }

    @Test func outboxAndAcknowledgedChangesOfJSONReadBackTheSameAsBytes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("replica-\(UUID().uuidString).sqlite")
            .path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let acknowledged = Self.change(1, ["plate": .text("粤B·12345 \"quoted\""), "confidence": .int(-3)])
        let waiting = [
            Self.change(2, ["lane": .text("north"), "note": .null, "score": .int(Int64(1) << 52)]),
            Self.change(3, [:]),
        ]
        let queue = try DatabaseQueue(path: path)
        try SQLiteReplica.migrator(schema: .mall).migrate(queue, upTo: "v12-state-bytes")
        try queue.write { db in
            for (change, table) in [(acknowledged, "acknowledged")] + waiting.map({ ($0, "outbox") }) {
                let last = table == "acknowledged" ? "acked_at" : "first_acked_at"
                try db.execute(
                    sql: """
                        INSERT INTO \(table) (epoch, seq, chain, hlc_wall, hlc_counter, channel, change, \(last))
                        VALUES (2, ?, 'chain', ?, 0, 'm/parking', ?, ?)
                        """,
                    arguments: [
                        Int64(change.id.seq), Int64(change.hlc.wallMillis), try StoredJSON.encode(change),
                        table == "acknowledged" ? 1_800_000_000_500 : nil,
                    ])
            }
        }
        try queue.close()

        let replica = try SQLiteReplica(path: path, schema: .mall)
        #expect(try replica.outbox(after: nil, limit: 10) == waiting)
        let kept = try replica.database.read { db in
            try Data.fetchAll(db, sql: "SELECT change FROM acknowledged").map(StoredChange.decode)
        }
        #expect(kept == [acknowledged])
        let indexes = try replica.database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")
        }
        #expect(Set(indexes).isSuperset(of: ["acknowledged_by_time", "rows_by_end", "rows_tombstones"]))
        // The outbox's key orders it by age (`registerOutboxOrder`).
        #expect(!indexes.contains("outbox_by_age"))
    }

    @Test func aHubLogOfJSONChangesReadsBackTheSameAsBytes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let logged = [
            Self.change(1, ["plate": .text("粤B·12345"), "confidence": .int(-3)]),
            Self.change(2, ["lane": .text("north"), "note": .null]),
            Self.change(3, [:]),
        ]
        let queue = try DatabaseQueue(path: path)
        try SQLiteHubStore.migrator(schema: .mall).migrate(queue, upTo: "v13-state-bytes")
        try queue.write { db in
            for (index, change) in logged.enumerated() {
                // The second one's change was collected (NULL), as retention leaves it.
                try db.execute(
                    sql: """
                        INSERT INTO log (seq, origin, epoch, oseq, hash, chain, channel, table_name, key, change)
                        VALUES (?, 'gate-1', 2, ?, ?, 'chain', 'm/parking', ?, ?, ?)
                        """,
                    arguments: [
                        index + 10, Int64(change.id.seq), change.contentHash, change.table, change.key,
                        index == 1 ? nil : try StoredJSON.encode(change),
                    ])
            }
        }
        try queue.close()

        let store = try SQLiteHubStore(path: path, schema: .mall)
        let entries = try store.entries(channel: Channel(mall: "m", kind: .parking), after: 0, limit: 10)
        #expect(entries == [LogEntry(seq: 10, change: logged[0]), LogEntry(seq: 12, change: logged[2])])
        let indexes = try store.database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'log'")
        }
        #expect(Set(indexes).isSuperset(of: ["log_by_channel", "log_by_row", "log_by_content"]))
    }

    @Test func aStoredChangeOfAnotherVersionOrCutShortIsCorruptNotATrap() throws {
        var bytes = [UInt8](StoredChange.encode(Self.change(1, ["plate": .text("京A12345")])))
        #expect(try StoredChange.decode(Data(bytes)) == Self.change(1, ["plate": .text("京A12345")]))
        for length in 0..<bytes.count {
            #expect(throws: StorageError.self) { try StoredChange.decode(Data(bytes.prefix(length))) }
        }
        bytes[0] = 2
        #expect(throws: StorageError.self) { try StoredChange.decode(Data(bytes)) }
    }
}

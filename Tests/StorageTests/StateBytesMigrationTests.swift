import Foundation
import GRDB
import MallDomain
import SyncCore
import Testing

@testable import Storage

/// Stores written when merge states were JSON text: the upgrade rewrites
/// every state as bytes (SPEC §12.5), each row reads back as it was, the
/// indexes are there again, and a node's half-staged snapshot starts over.
@Suite struct StateBytesMigrationTests {
    static let parking = Channel(mall: "m", kind: .parking)

    /// A visible row with every kind of value, a tombstone, and a row
    /// inserted and deleted by two origins at one wall time.
    static let states: [String: RowState] = {
        func change(_ origin: String, _ seq: UInt64, _ key: String, _ op: Change.Operation, _ columns: [String: Value])
            -> Change
        {
            Change(
                id: ChangeID(origin: origin, epoch: 3, seq: seq), hlc: HybridTimestamp(wallMillis: 1_800_000_000_000),
                table: "reservations", key: key, channel: parking, op: op, columns: columns)
        }
        var visible = RowState()
        visible.apply(
            change(
                "hub", 1, "r-1", .insert,
                ["plate": .text("沪A12345"), "window_end": .int(-5), "zone": .null, "member_id": .text("m-1")]))
        visible.apply(change("gate-1", 2, "r-1", .update, ["status": .text("inside")]))
        var tombstone = RowState()
        tombstone.apply(change("hub", 3, "r-2", .insert, ["plate": .text("京B00001")]))
        tombstone.apply(change("gate-2", 4, "r-2", .delete, [:]))
        return ["r-1": visible, "r-2": tombstone]
    }()

    static func file() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite").path
    }

    @Test func aReplicaOfJSONStatesReadsBackTheSameAsBytes() throws {
        let path = Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        try SQLiteReplica.migrator(schema: .mall).migrate(queue, upTo: "v11-snapshot-staging")
        try queue.write { db in
            for (key, state) in Self.states {
                try db.execute(
                    sql: """
                        INSERT INTO rows (table_name, key, channel, seq, visible, tombstone, state, ends_at, pending)
                        VALUES ('reservations', ?, 'm/parking', 7, ?, ?, ?, NULL, ?)
                        """,
                    arguments: [
                        key, state.isVisible, state.isTombstone, try StoredJSON.encode(state),
                        key == "r-1" ? "hash-1" : nil,
                    ])
            }
            try db.execute(
                sql: """
                    INSERT INTO snapshot_rows (channel, table_name, key, seq, visible, tombstone, state, ends_at)
                    VALUES ('m/parking', 'reservations', 'r-9', 9, 1, 0, '{}', NULL);
                    INSERT INTO snapshot_progress (channel, progress) VALUES ('m/parking', '{}');
                    """)
        }
        try queue.close()

        let replica = try SQLiteReplica(path: path, schema: .mall)
        for (key, state) in Self.states {
            #expect(try replica.row(RowRef(table: "reservations", key: key)) == state)
        }
        #expect(try replica.rows(in: Self.parking).map(\.seq) == [7, 7])
        var plates: [String: Value] = [:]
        try replica.forEachVisibleRow(of: "reservations", columns: ["plate", "zone"]) { key, values in
            plates[key] = values["plate"]
            #expect(values["zone"] == nil)
        }
        #expect(plates == ["r-1": .text("沪A12345")])
        #expect(try replica.start(minimumEpoch: 0).snapshots.isEmpty)

        let check = try DatabaseQueue(path: path)
        let (indexes, pending, type) = try check.read { db in
            (
                try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rows'"),
                try String.fetchOne(db, sql: "SELECT pending FROM rows WHERE key = 'r-1'"),
                try String.fetchOne(db, sql: "SELECT typeof(state) FROM rows LIMIT 1")
            )
        }
        // The later upgrade keeps only tombstones in the channel's index.
        #expect(Set(indexes).isSuperset(of: ["rows_tombstones", "rows_by_end"]))
        #expect(!indexes.contains("rows_by_channel"))
        #expect(pending == "hash-1")
        #expect(type == "blob")
    }

    @Test func aHubStoreOfJSONStatesReadsBackTheSameAsBytes() throws {
        let path = Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        try SQLiteHubStore.migrator(schema: .mall).migrate(queue, upTo: "v12-rows-by-channel-key")
        try queue.write { db in
            for (key, state) in Self.states {
                try db.execute(
                    sql: """
                        INSERT INTO rows (table_name, key, channel, seq, tombstone, state, ends_at)
                        VALUES ('reservations', ?, 'm/parking', 7, ?, ?, NULL)
                        """,
                    arguments: [key, state.isTombstone, try StoredJSON.encode(state)])
            }
        }
        try queue.close()

        let hub = try SQLiteHubStore(path: path, schema: .mall)
        for (key, state) in Self.states {
            #expect(try hub.row(RowRef(table: "reservations", key: key))?.state == state)
        }
        #expect(try hub.rows(in: Self.parking, after: nil, limit: 10).map(\.key) == ["r-1", "r-2"])
        #expect(try hub.rowCount(in: Self.parking) == 2)
        let check = try DatabaseQueue(path: path)
        let indexes = try check.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rows'")
        }
        #expect(Set(indexes).isSuperset(of: ["rows_by_channel", "rows_by_end", "rows_by_channel_key"]))
    }

    /// A digest reads a store beside its process: a store that process has
    /// not upgraded is refused as outdated and left as it was, never
    /// converted under it; once upgraded, it is read.
    @Test func aStoreIsReadWithoutMigratingIt() throws {
        for hub in [false, true] {
            let path = Self.file()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let queue = try DatabaseQueue(path: path)
            if hub {
                try SQLiteHubStore.migrator(schema: .mall).migrate(queue, upTo: "v12-rows-by-channel-key")
            } else {
                try SQLiteReplica.migrator(schema: .mall).migrate(queue, upTo: "v11-snapshot-staging")
            }
            try queue.close()
            #expect(
                throws: StorageError(
                    .outdated, "\(path) is not upgraded to this version yet: start its process on it first")
            ) {
                if hub {
                    _ = try SQLiteHubStore(readingPath: path, schema: .mall)
                } else {
                    _ = try SQLiteReplica(readingPath: path, schema: .mall)
                }
            }
            let applied = try DatabaseQueue(path: path).read { db in
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            }
            #expect(!applied.contains(hub ? "v13-state-bytes" : "v12-state-bytes"))
            if hub {
                _ = try SQLiteHubStore(path: path, schema: .mall)
                #expect(try SQLiteHubStore(readingPath: path, schema: .mall).rowCount(in: Self.parking) == 0)
            } else {
                _ = try SQLiteReplica(path: path, schema: .mall)
                #expect(try SQLiteReplica(readingPath: path, schema: .mall).rows(in: Self.parking).isEmpty)
            }
        }
    }
}

import Foundation
import GRDB
import MallDomain
import SyncCore
import Testing

@testable import Storage

/// A replica written while its small key/value tables were rowid tables:
/// the upgrade rebuilds them keyed, and the node goes on from where it was
/// (its epoch, clock, last change, chain and cursors).
@Suite struct KeyedTablesMigrationTests {
    @Test func aNodeGoesOnFromWhereItWasAcrossTheUpgrade() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("node-\(UUID().uuidString).sqlite")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let channel = Channel(mall: "m", kind: .parking)
        let queue = try DatabaseQueue(path: path)
        try SQLiteReplica.migrator(schema: .mall).migrate(queue, upTo: "v14-tombstone-index")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO meta (key, value) VALUES ('epoch', 3), ('chain_epoch', 3), ('chain_seq', 5),
                        ('last_created_epoch', 3), ('last_created_seq', 5), ('clock_wall', 1800000000000),
                        ('clock_counter', 7);
                    INSERT INTO meta_text (key, value) VALUES ('chain', 'tip'), ('origin', 'gate-1'),
                        ('hub_history', 'history-1');
                    INSERT INTO cursors (channel, seq) VALUES ('m/parking', 40);
                    """)
        }
        try queue.close()

        let replica = try SQLiteReplica(path: path, schema: .mall)
        let started = try replica.start(minimumEpoch: 1)
        #expect(started.epoch == 4)
        #expect(started.clock == HybridTimestamp(wallMillis: 1_800_000_000_000, counter: 7))
        #expect(started.cursors == [channel: 40])
        #expect(started.lastCreated == ChangeID(origin: "gate-1", epoch: 3, seq: 5))
        #expect(started.hubHistory == "history-1")
        // The chain goes on from its stored tip: the next change of epoch 3 is seq 6.
        let next = Change(
            id: ChangeID(origin: "gate-1", epoch: 3, seq: 6), hlc: HybridTimestamp(wallMillis: 1_800_000_000_001),
            table: "reservations", key: "r-1", channel: channel, op: .insert, columns: ["status": .text("booked")])
        try replica.commitLocal([next], clock: next.hlc)
        #expect(try replica.outbox(after: nil, limit: 10).map(\.id) == [next.id])

        let check = try DatabaseQueue(path: path)
        let definitions = try check.read { db in
            try String.fetchAll(
                db, sql: "SELECT sql FROM sqlite_master WHERE name IN ('meta', 'meta_text', 'cursors') ORDER BY name")
        }
        #expect(definitions.count == 3)
        #expect(definitions.allSatisfy { $0.hasSuffix("WITHOUT ROWID") })
    }
}

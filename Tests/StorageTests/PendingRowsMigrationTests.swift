import Foundation
import GRDB
import MallDomain
import SyncCore
import Testing

@testable import Storage

/// A replica written before rows were marked pending (§12): a delete still
/// waiting in its outbox when the node is upgraded must not be forgotten by
/// the first status after the upgrade.
@Suite struct PendingRowsMigrationTests {
    @Test func aDeleteWaitingInTheOutboxKeepsItsTombstoneAcrossTheUpgrade() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("node-\(UUID().uuidString).sqlite")
            .path
        let channel = Channel(mall: "m", kind: .lounge)
        let insert = Change(
            id: ChangeID(origin: "hub", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: 1_800_000_000_000),
            table: "lounge_visits", key: "v-1", channel: channel, op: .insert, columns: ["status": .text("open")])
        let delete = Change(
            id: ChangeID(origin: "lounge-1", epoch: 2, seq: 1), hlc: HybridTimestamp(wallMillis: 1_800_000_001_000),
            table: "lounge_visits", key: "v-1", channel: channel, op: .delete, columns: [:])
        var state = RowState()
        state.apply(insert)
        state.apply(delete)
        let queue = try DatabaseQueue(path: file)
        try SQLiteReplica.migrator(schema: .mall).migrate(queue, upTo: "v7-outbox-by-age")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO rows (table_name, key, channel, seq, visible, tombstone, state)
                    VALUES ('lounge_visits', 'v-1', ?, 1, 0, 1, ?)
                    """,
                arguments: [channel.name, try StoredJSON.encode(state)])
            try db.execute(
                sql: """
                    INSERT INTO outbox (epoch, seq, chain, hlc_wall, hlc_counter, channel, change)
                    VALUES (2, 1, 'c', 1800000001000, 0, ?, ?)
                    """,
                arguments: [channel.name, try StoredJSON.encode(delete)])
        }
        try queue.close()

        let replica = try SQLiteReplica(path: file, schema: .mall)
        let ref = RowRef(table: "lounge_visits", key: "v-1")
        try replica.collectTombstones(channel: channel, floor: 5)
        #expect(try replica.row(ref) == state)
        // Once the hub's log brings the delete back, the tombstone may go.
        try replica.applyRemote(channel: channel, entries: [LogEntry(seq: 6, change: delete)], upTo: 6, clock: .zero)
        try replica.collectTombstones(channel: channel, floor: 6)
        #expect(try replica.row(ref) == nil)
    }
}

import Foundation
import GRDB
import MallDomain
import SyncCore
import Testing

@testable import Storage

/// A replica written while the outbox had a `replayed` flag: a change it
/// had replayed to a restored hub counts its kept week from the upgrade,
/// and is still left out when a snapshot is installed.
@Suite struct FirstAckMigrationTests {
    @Test func aReplayedChangeOfAnOlderReplicaGetsAFirstAckTimeAndTheFlagGoes() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("node-\(UUID().uuidString).sqlite")
            .path
        let channel = Channel(mall: "m", kind: .parking)
        let change = Change(
            id: ChangeID(origin: "gate-1", epoch: 3, seq: 1), hlc: HybridTimestamp(wallMillis: 1_800_000_000_000),
            table: "reservations", key: "r-1", channel: channel, op: .insert, columns: ["status": .text("inside")])
        let queue = try DatabaseQueue(path: file)
        try SQLiteReplica.migrator(schema: .mall).migrate(queue, upTo: "v5-audit-retention")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO outbox (epoch, seq, chain, hlc_wall, hlc_counter, channel, change, replayed)
                    VALUES (3, 1, 'c', 1800000000000, 0, ?, ?, 1)
                    """,
                arguments: [channel.name, try StoredJSON.encode(change)])
        }
        try queue.close()
        let before = UInt64(Date().timeIntervalSince1970 * 1000) / 1000 * 1000
        let replica = try SQLiteReplica(path: file, schema: .mall)
        let firstAckedAt = try replica.database.read { db in
            try Int64.fetchOne(db, sql: "SELECT first_acked_at FROM outbox WHERE epoch = 3 AND seq = 1")
        }
        #expect(try #require(firstAckedAt) >= Int64(before))
        let columns = try replica.database.read { db in try db.columns(in: "outbox").map(\.name) }
        #expect(!columns.contains("replayed"))
        // Replayed, so a snapshot that does not hold it yet does not bring it back on top.
        try replica.installSnapshot(channel: channel, rows: [], at: 10)
        #expect(try replica.rows(in: channel).isEmpty)
    }
}

import Foundation
import GRDB
import MallDomain
import SyncCore
import Testing

@testable import Storage

/// A hub store written before the audit trail: its audit rows are copied
/// into the trail, and leave the replicated rows after a month instead of
/// the two years they were stored for.
@Suite struct AuditTrailMigrationTests {
    @Test func anOlderHubStoreGetsItsAuditRowsIntoTheTrailAndTheirNewEnd() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString).sqlite").path
        let day: UInt64 = 86_400_000
        let made: UInt64 = 1_800_000_000_000
        let queue = try DatabaseQueue(path: file)
        try SQLiteHubStore.migrator(schema: .mall).migrate(queue, upTo: "v10-alias-positions")
        var state = RowState()
        state.apply(
            Change(
                id: ChangeID(origin: "gate-1", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: made),
                table: "audit_log", key: "au-1", channel: Channel(mall: "m", kind: .audit), op: .insert,
                columns: ["actor": .text("device:gate-1"), "action": .text("gate.read"), "node": .text("gate-1")]))
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO rows (table_name, key, channel, seq, tombstone, state, ends_at)
                    VALUES ('audit_log', 'au-1', 'm/audit', 1, 0, ?, ?)
                    """,
                arguments: [try StoredJSON.encode(state), Int64(made + 730 * day)])
        }
        try queue.close()
        let store = try SQLiteHubStore(path: file, schema: .mall)
        #expect(try store.auditTrail(about: "gate-1", limit: 10).map(\.action) == ["gate.read"])
        #expect(try store.dropExpired(now: made + 30 * day) == 1)
        #expect(try store.auditTrail(about: "gate-1", limit: 10).count == 1)
    }
}

import Foundation
import GRDB
import MallDomain
import SyncCore
import Testing

@testable import Storage

/// A row's stored end of life comes from the rule of the version that
/// wrote it. An update in place compares the indexed columns with what is
/// stored, not with what the state it replaces gives today, so a row
/// written under an older rule is corrected by its next write.
@Suite struct StoredEndOfLifeTests {
    @Test func anUpdateCorrectsAnEndOfLifeAnOlderRuleStored() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("node-\(UUID().uuidString).sqlite")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let channel = Channel(mall: "m", kind: .parking)
        let end: Int64 = 1_800_000_000_000
        func entry(_ seq: UInt64, _ op: Change.Operation, _ columns: [String: Value]) -> LogEntry {
            LogEntry(
                seq: seq,
                change: Change(
                    id: ChangeID(origin: "hub", epoch: 1, seq: seq),
                    hlc: HybridTimestamp(wallMillis: UInt64(end) - 86_400_000 + seq), table: "reservations", key: "r-1",
                    channel: channel, op: op, columns: columns))
        }
        let replica = try SQLiteReplica(path: path, schema: .mall)
        _ = try replica.start(minimumEpoch: 1)
        try replica.applyRemote(
            channel: channel,
            entries: [
                entry(1, .insert, ["plate": .text("鲁C00001"), "window_end": .int(end), "status": .text("booked")])
            ],
            upTo: 1, clock: .zero)
        let stored = try #require(try replica.row(RowRef(table: "reservations", key: "r-1")))
        let retired = try #require(SQLiteReplica.endsAt(stored, of: "reservations", schema: .mall))
        let check = try DatabaseQueue(path: path)
        func storedEnd() throws -> Int64? {
            try check.read { try Int64.fetchOne($0, sql: "SELECT ends_at FROM rows WHERE key = 'r-1'") }
        }
        #expect(try storedEnd() == retired)
        // As a version without the reservations' retirement rule left it.
        try check.write { try $0.execute(sql: "UPDATE rows SET ends_at = NULL WHERE key = 'r-1'") }
        try replica.applyRemote(
            channel: channel, entries: [entry(2, .update, ["status": .text("inside")])], upTo: 2, clock: .zero)
        #expect(try storedEnd() == retired)
        #expect(try replica.row(RowRef(table: "reservations", key: "r-1"))?.values["status"] == .text("inside"))
    }
}

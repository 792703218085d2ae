import Foundation
import MallDomain
import SyncCore
import Testing

@testable import Storage

/// An audit listing's read: the newest rows of one event table first, only
/// the visible ones under a key prefix, no further than its bound.
@Suite struct NewestEventsTests {
    @Test func theNewestVisibleRowsUnderAPrefixComeFirstAndTheBoundStopsTheScan() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("node-\(UUID().uuidString).sqlite")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let channel = Channel(mall: "m", kind: .parking)
        let made: UInt64 = 1_800_000_000_000
        // Six passages made a second apart, alternately by g1 and g1-2; the
        // hub then deletes g1's newest.
        var entries: [LogEntry] = []
        for seq in UInt64(1)...6 {
            let gate = seq.isMultiple(of: 2) ? "g1-2" : "g1"
            entries.append(
                LogEntry(
                    seq: seq,
                    change: Change(
                        id: ChangeID(origin: gate, epoch: 1, seq: seq),
                        hlc: HybridTimestamp(wallMillis: made + seq * 1000),
                        table: "gate_passages", key: "gp-\(gate)-1-\(seq)", channel: channel, op: .insert,
                        columns: ["decision": .text("deny"), "at": .int(Int64(made + seq * 1000))])))
        }
        entries.append(
            LogEntry(
                seq: 7,
                change: Change(
                    id: ChangeID(origin: "hub", epoch: 1, seq: 7), hlc: HybridTimestamp(wallMillis: made + 7_000),
                    table: "gate_passages", key: "gp-g1-1-5", channel: channel, op: .delete, columns: [:])))
        let replica = try SQLiteReplica(path: path, schema: .mall)
        _ = try replica.start(minimumEpoch: 1)
        try replica.applyRemote(channel: channel, entries: entries, upTo: 7, clock: .zero)

        func keys(prefix: String = "", limit: Int, lookingAt bound: Int) throws -> [String] {
            try replica.newestEvents(of: "gate_passages", keyPrefix: prefix, limit: limit, lookingAt: bound) { key, _ in
                key
            }
        }
        // Newest first; the deleted one (its tombstone has no end) is not listed.
        let all = ["gp-g1-2-1-6", "gp-g1-2-1-4", "gp-g1-1-3", "gp-g1-2-1-2", "gp-g1-1-1"]
        #expect(try keys(limit: 10, lookingAt: 100) == all)
        #expect(try keys(limit: 2, lookingAt: 100) == Array(all.prefix(2)))
        // g1's prefix is also g1-2's: the caller checks each row's origin.
        #expect(try keys(prefix: "gp-g1-", limit: 10, lookingAt: 100) == all)
        // The bound counts the rows looked at, taken or not.
        #expect(try keys(prefix: "gp-g1-1-", limit: 10, lookingAt: 2) == [])
        #expect(try keys(prefix: "gp-g1-1-", limit: 10, lookingAt: 3) == ["gp-g1-1-3"])
        #expect(try keys(prefix: "gp-g1-1-", limit: 10, lookingAt: 100) == ["gp-g1-1-3", "gp-g1-1-1"])
        #expect(try keys(limit: 0, lookingAt: 100).isEmpty)
        #expect(try replica.newestEvents(of: "audit_log", limit: 10, lookingAt: 100) { key, _ in key }.isEmpty)
    }
}

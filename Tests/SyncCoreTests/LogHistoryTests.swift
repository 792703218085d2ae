import MallDomain
import Simulation
import SyncCore
import Testing

/// How far a node's cursors hold when the hub's log history changes (§9.6).
@Suite struct LogHistoryTests {
    let marks = [HistoryMark(id: "h-1", from: 0), HistoryMark(id: "h-2", from: 900), HistoryMark(id: "h-3", from: 700)]

    @Test func cursorsOfTheCurrentHistoryHoldWhole() {
        #expect(LogHistory.validThrough(appliedUnder: "h-3", marks: marks) == nil)
        #expect(LogHistory.validThrough(appliedUnder: "h-1", marks: []) == nil)
    }

    @Test func cursorsOfAnOlderHistoryHoldUpToTheEarliestRestoreSince() {
        // Applied under h-1: the log went back to 900, then to 700.
        #expect(LogHistory.validThrough(appliedUnder: "h-1", marks: marks) == 700)
        #expect(LogHistory.validThrough(appliedUnder: "h-2", marks: marks) == 700)
    }

    @Test func aHistoryNoLongerListedHoldsNothing() {
        #expect(LogHistory.validThrough(appliedUnder: "h-0", marks: marks) == 0)
    }

    /// A batch of the log the hub went back on, delivered after the node
    /// followed the new history, would move its cursor past entries of the
    /// new log it does not carry: it is ignored (§9.6).
    @Test func aLateBatchOfAHistoryTheNodeLeftIsIgnored() throws {
        let parking = Channel(mall: "m", kind: .parking)
        let node = try NodeEngine(
            configuration: .init(schema: .mall, node: "gate-1", mall: "m", role: .gate),
            store: MemoryReplicaStore(schema: .mall))
        _ = try node.connectionChanged(up: true, now: 1_000)
        _ = try node.receive(
            .hubStatus(
                HubStatus(
                    online: true, epoch: 1, sentAt: 0, heads: [ChannelPosition(channel: parking, seq: 0)], floors: [],
                    history: [HistoryMark(id: "h-2", from: 0)])), now: 1_000)
        _ = try node.receive(
            .snapshotPart(
                SnapshotPart(
                    node: "gate-1", channel: parking, snapshotID: "s", at: 0, part: 0, parts: 1, rows: [],
                    history: "h-2",
                    window: SnapshotWindow(
                        after: nil, through: nil, last: true,
                        chain: SnapshotChain.next(after: "", rows: [], version: .canonical)))),
            now: 1_100)
        #expect(node.cursor(of: parking) == 0)
        func batch(_ history: String) -> WireMessage {
            let change = Change(
                id: ChangeID(origin: "hub", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: 900),
                table: "gate_passages", key: "p-1", channel: parking, op: .insert, columns: ["lane": .text("n1")])
            return .batch(
                LogBatch(
                    channel: parking, prev: 0, upTo: 5, entries: [LogEntry(seq: 5, change: change)], history: history))
        }
        _ = try node.receive(batch("h-1"), now: 1_200)
        #expect(node.cursor(of: parking) == 0)
        _ = try node.receive(batch("h-2"), now: 1_300)
        #expect(node.cursor(of: parking) == 5)
    }

    /// Cursors a node reports under a history the hub's log has gone back
    /// on may lie past entries of the current log: they are not recorded,
    /// so no tombstone is collected on their word (§12).
    @Test func cursorsReportedUnderAnotherHistoryAreNotRecorded() throws {
        let parking = Channel(mall: "m", kind: .parking)
        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)]),
            store: MemoryHubStore(schema: .mall))
        let current = try #require(hub.history.marks.last?.id)
        func beat(_ history: String, cursor: UInt64) -> WireMessage {
            .heartbeat(
                Heartbeat(
                    node: "gate-1", epoch: 1, sentAt: 0, hlc: .zero, outboxDepth: 0, oldestUnsyncedAt: nil,
                    outboxHead: nil, cursors: [ChannelPosition(channel: parking, seq: cursor)], history: history))
        }
        let up = Topics.node("gate-1", mall: "m", .up)
        _ = hub.receive(topic: up, message: beat(current, cursor: 7), now: 1_000)
        #expect(hub.nodes["gate-1"]?.cursor(of: parking) == 7)
        _ = hub.receive(topic: up, message: beat("h-gone", cursor: 900), now: 2_000)
        #expect(hub.nodes["gate-1"]?.cursor(of: parking) == 7)
    }
}

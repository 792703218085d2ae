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

    /// A status of the history a node has just left, arriving late (reordered,
    /// or queued by the broker), is ignored whole: following it would drop
    /// the node's cursors and renumber its outbox again.
    @Test func aLateStatusOfAHistoryTheNodeLeftIsIgnored() throws {
        let parking = Channel(mall: "m", kind: .parking)
        let node = try NodeEngine(
            configuration: .init(node: "gate-1", mall: "m", role: .gate), store: MemoryReplicaStore())
        func status(_ marks: [HistoryMark], head: UInt64) -> WireMessage {
            .hubStatus(
                HubStatus(
                    online: true, epoch: 1, sentAt: 0, heads: [ChannelPosition(channel: parking, seq: head)],
                    floors: [], history: marks))
        }
        _ = try node.connectionChanged(up: true, now: 1_000)
        _ = try node.receive(status([HistoryMark(id: "h-1", from: 0)], head: 50), now: 1_000)
        #expect(node.hubHistory == "h-1")
        let before = node.epoch
        _ = try node.receive(
            status([HistoryMark(id: "h-1", from: 0), HistoryMark(id: "h-2", from: 40)], head: 45), now: 2_000)
        #expect(node.hubHistory == "h-2" && node.epoch == before + 1)
        _ = try node.receive(status([HistoryMark(id: "h-1", from: 0)], head: 50), now: 3_000)
        #expect(node.hubHistory == "h-2" && node.epoch == before + 1)
    }
}

import MallDomain
import SyncCore
import Testing

/// Every integer field of every message is at most 2^53 - 1: one field of
/// each kind of message set one above it is `invalid`, the same at the bound is not.
@Suite struct WireIntegerBoundsTests {
    static let over = WireMessage.maxInteger + 1
    static let channel = Channel(mall: "m", kind: .parking)

    static func messages(_ n: UInt64) -> [WireMessage] {
        let change = Change(
            id: ChangeID(origin: "g1", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: n), table: "gate_passages",
            key: "p1", channel: channel, op: .insert, columns: ["lane": .text("x")])
        let state = RowState(
            inserted: true,
            cells: [
                "lane": .init(value: .text("x"), stamp: Stamp(hlc: .zero, id: ChangeID(origin: "g1", epoch: n, seq: 1)))
            ])
        return [
            .birth(Birth(node: "g1", mall: "m", role: .gate, epoch: 1, sentAt: n, cursors: [], software: "x")),
            .death(Death(node: "g1", epoch: n)),
            .changes(ChangeBatch(node: "g1", sentAt: 1, changes: [change])),
            .heartbeat(
                Heartbeat(
                    node: "g1", epoch: 1, sentAt: 1, hlc: .zero, outboxDepth: 0, oldestUnsyncedAt: n, outboxHead: nil,
                    cursors: [])),
            .resend(ResendRequest(node: "g1", channel: channel, after: n)),
            .snapshotRequest(SnapshotRequest(node: "g1", channel: channel, outbox: [EpochPosition(epoch: 1, seq: n)])),
            .ack(Ack(node: "g1", acks: [AckEntry(epoch: 1, upTo: n, hash: "0")])),
            .batch(LogBatch(channel: channel, prev: 0, upTo: n, entries: [])),
            .snapshotPart(
                SnapshotPart(
                    node: "g1", channel: channel, snapshotID: "s", at: 1, part: 0, parts: 1,
                    rows: [SnapshotRow(table: "gate_passages", key: "p1", seq: 1, state: state)])),
            .control(Control(node: "g1", command: .resnapshot, minEpoch: n)),
            .hubStatus(
                HubStatus(
                    online: true, epoch: 1, sentAt: 1, heads: [],
                    floors: [ChannelPosition(channel: channel, seq: n)])),
        ]
    }

    @Test func aFieldAboveTheBoundIsInvalidInEveryMessage() {
        for message in Self.messages(Self.over) {
            #expect(
                message.problem(maxItems: 5000, schema: .mall)?.contains("above 2^53 - 1") == true, "\(message.type)")
        }
        for message in Self.messages(WireMessage.maxInteger) {
            #expect(message.problem(maxItems: 5000, schema: .mall) == nil, "\(message.type)")
        }
    }
}

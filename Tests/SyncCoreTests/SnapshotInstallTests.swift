import Simulation
import Testing

@testable import MallDomain
@testable import SyncCore

/// A node and the hub wired by hand, so each test decides which message
/// arrives when, and which never does.
@Suite struct SnapshotInstallTests {
    static let lounge = Channel(mall: "m", kind: .lounge)
    static let visit = RowRef(table: "lounge_visits", key: "v-1")

    let hub: HubEngine<MemoryHubStore>
    let node: NodeEngine<MemoryReplicaStore>

    init() throws {
        hub = try HubEngine(
            configuration: .init(
                schema: .mall, fleet: ["lounge-1": .init(mall: "m", role: .lounge)], gcHorizonMillis: 60_000,
                gcIntervalMillis: 1000),
            store: MemoryHubStore(schema: .mall))
        node = try NodeEngine(
            configuration: .init(schema: .mall, node: "lounge-1", mall: "m", role: .lounge),
            store: MemoryReplicaStore(schema: .mall))
    }

    /// Hands messages to the hub and returns its answers.
    func toHub(_ messages: [Outgoing], now: UInt64) -> [Outgoing] {
        messages.flatMap { hub.receive(topic: $0.topic, message: $0.message, now: now).outgoing }
    }

    /// Hands messages to the node and returns what it sends in reply.
    func toNode(_ messages: [Outgoing], now: UInt64) throws -> [Outgoing] {
        try messages.flatMap { try node.receive($0.message, now: now) }
    }

    /// Hands messages back and forth until neither side has more to say:
    /// every window of every channel's snapshot, one after the other.
    func exchange(_ messages: [Outgoing], now: UInt64) throws {
        var pending = messages
        while !pending.isEmpty { pending = try toNode(toHub(pending, now: now), now: now) }
    }

    static func isChanges(_ outgoing: Outgoing) -> Bool {
        if case .changes = outgoing.message { true } else { false }
    }

    static func isAck(_ outgoing: Outgoing) -> Bool {
        if case .ack = outgoing.message { true } else { false }
    }

    @Test func aSnapshotDoesNotBringBackARowWhoseDeleteTheHubCollected() throws {
        // Given a node that checked a visit in and updated it, and whose ack
        // for both was lost after the hub logged them,
        let status = toHub(try node.connectionChanged(up: true, now: 0), now: 0)
        let requests = try toNode(status, now: 1) + node.tick(now: 1)
        try exchange(requests, now: 2)
        try node.commit(
            [.insert("lounge_visits", "v-1", ["member_id": .text("m-1"), "guests": .int(1), "status": .text("open")])],
            now: 10)
        try node.commit([.update("lounge_visits", "v-1", ["status": .text("closed")])], now: 11)
        let answers = toHub(try node.tick(now: 12).filter(Self.isChanges), now: 12)
        _ = try toNode(answers.filter { !Self.isAck($0) }, now: 13)
        #expect(node.outboxStatus.depth == 2)

        // and that was gone while the hub deleted the visit and, the node being
        // silent past the horizon, collected the tombstone,
        _ = try node.connectionChanged(up: false, now: 20)
        _ = try hub.write([.delete("lounge_visits", "v-1")], mall: "m", now: 30)
        _ = try hub.tick(now: 100_000)
        #expect((hub.floors[Self.lounge] ?? 0) > (node.cursor(of: Self.lounge) ?? 0))
        #expect(try hub.store.row(Self.visit) == nil)

        // when it comes back and its snapshot arrives before the ack for its
        // resent changes,
        let back = try node.connectionChanged(up: true, now: 100_001)
        let snapshotRequest = try toNode(toHub(back.filter { !Self.isChanges($0) }, now: 100_001), now: 100_002)
        try exchange(snapshotRequest, now: 100_003)
        _ = try toNode(toHub(back.filter(Self.isChanges), now: 100_005), now: 100_006)

        // then the visit stays deleted there too, and nothing is left to send.
        #expect(try node.store.row(Self.visit)?.isVisible != true)
        #expect(
            try ReplicaDigest.of(node.store.rows(in: Self.lounge), floor: 0, schema: .mall)
                == ReplicaDigest.of(hub.store.rows(in: Self.lounge), floor: 0, schema: .mall))
        #expect(node.outboxStatus.depth == 0)
    }

    @Test func aSnapshotAcksTheOutboxOnlyAsFarAsBothSidesHoldIt() throws {
        // Given a hub holding changes 1...3 of the node's epoch 1,
        let up = Topics.node("lounge-1", mall: "m", .up)
        let changes = (1...3 as ClosedRange<UInt64>).map { seq in
            Change(
                id: ChangeID(origin: "lounge-1", epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: seq),
                table: "lounge_visits", key: "v-\(seq)", channel: Self.lounge, op: .insert,
                columns: ["guests": .int(1)])
        }
        _ = hub.receive(
            topic: up, message: .changes(ChangeBatch(node: "lounge-1", sentAt: 0, changes: changes)), now: 0)
        let chains = changes.reduce(into: [String]()) {
            $0.append(SequenceChain.next(after: $0.last ?? "", contentHash: $1.contentHash))
        }
        func acks(for outbox: [EpochPosition]) -> [[AckEntry]?] {
            let request = SnapshotRequest(node: "lounge-1", channel: Self.lounge, outbox: outbox)
            return hub.receive(topic: up, message: .snapshotRequest(request), now: 1).outgoing.compactMap {
                if case .snapshotPart(let part) = $0.message { part.acks } else { nil }
            }
        }

        // when a node whose disk kept only 1...2 of that epoch asks for a
        // snapshot, then the ack stops at 2, with the hub's chain there, which
        // the node can check against its own;
        #expect(acks(for: [EpochPosition(epoch: 1, seq: 2)]) == [[AckEntry(epoch: 1, upTo: 2, hash: chains[1])]])
        // and when the node is ahead, or in an epoch the hub never took, the ack
        // says only what the hub holds.
        #expect(
            acks(for: [EpochPosition(epoch: 1, seq: 5), EpochPosition(epoch: 2, seq: 4)]) == [
                [AckEntry(epoch: 1, upTo: 3, hash: chains[2])]
            ])
        #expect(acks(for: [EpochPosition(epoch: 2, seq: 4)]) == [nil])
    }
}

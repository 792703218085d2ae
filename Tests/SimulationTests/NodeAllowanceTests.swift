import MallDomain
import Simulation
import SyncCore
import Testing

/// What one node may make the hub do: a stolen node's flood is refused as
/// `rate-limited` and changes nothing; an honest node's pace is never met.
@Suite struct NodeAllowanceTests {
    @Test func aBucketRefillsAtItsRateAndNeverAboveItsBurst() {
        var allowance = NodeAllowance(rate: .init(burst: 3, refillMillis: 1000), now: 0)
        #expect((0..<5).map { _ in allowance.take(now: 0) } == [true, true, true, false, false])
        #expect(allowance.take(now: 999) == false)
        #expect(allowance.take(now: 1000) == true)
        #expect(allowance.take(now: 1000) == false)
        // A long silence earns the burst, not more.
        #expect((0..<5).map { _ in allowance.take(now: 1_000_000) } == [true, true, true, false, false])
        // A clock that goes back takes nothing and gives nothing.
        #expect(allowance.take(now: 10) == false)
        #expect(allowance.take(now: UInt64.max) == true)
    }

    @Test func snapshotRequestsBeyondTheAllowanceAreRefusedAndCounted() throws {
        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)]),
            store: MemoryHubStore(schema: .mall))
        let request = WireMessage.snapshotRequest(
            SnapshotRequest(node: "gate-1", channel: Channel(mall: "m", kind: .parking)))
        let topic = Topics.node("gate-1", mall: "m", .up)
        let answers = (0..<6).map { _ in hub.receive(topic: topic, message: request, now: 1_000) }
        #expect(answers.prefix(4).allSatisfy { $0.rejection == nil })
        #expect(answers.suffix(2).allSatisfy { $0.rejection?.code == .rateLimited && $0.outgoing.isEmpty })
        #expect(hub.rejections[.rateLimited] == 2)
        // An honest node's retry, seconds later, is served.
        #expect(hub.receive(topic: topic, message: request, now: 4_000).rejection == nil)
    }

    /// Requests for channels the node does not replicate never reach the
    /// snapshot allowances: a stolen node naming made-up channels cannot
    /// grow them (they are refused as unauthorized first).
    @Test func snapshotRequestsForForeignChannelsAreUnauthorizedNotCounted() throws {
        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)]),
            store: MemoryHubStore(schema: .mall))
        let topic = Topics.node("gate-1", mall: "m", .up)
        for name in ["m/gifts", "m/gifts", "m/gifts", "m/gifts", "m/gifts", "other/parking"] {
            let request = WireMessage.snapshotRequest(SnapshotRequest(node: "gate-1", channel: Channel(name)!))
            #expect(hub.receive(topic: topic, message: request, now: 1_000).rejection?.code == .unauthorized)
        }
        #expect(hub.rejections[.rateLimited] == nil)
    }

    @Test func aFloodOfMessagesIsCutAtTheBurst() throws {
        let hub = try HubEngine(
            configuration: .init(
                schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)],
                messageRate: .init(burst: 100, refillMillis: 10)),
            store: MemoryHubStore(schema: .mall))
        let beat = WireMessage.heartbeat(
            Heartbeat(
                node: "gate-1", epoch: 1, sentAt: 0, hlc: .zero, outboxDepth: 0, oldestUnsyncedAt: nil, outboxHead: nil,
                cursors: []))
        let topic = Topics.node("gate-1", mall: "m", .up)
        let refused = (0..<1000).filter { _ in hub.receive(topic: topic, message: beat, now: 5).rejection != nil }
        #expect(refused.count == 900)
        #expect(hub.receive(topic: topic, message: beat, now: 15).rejection == nil)
    }

    @Test func changesBeyondTheAllowanceAreRefusedWholeAndChangeNothing() throws {
        let hub = try HubEngine(
            configuration: .init(
                schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)],
                changeRate: .init(burst: 10, refillMillis: 1000)),
            store: MemoryHubStore(schema: .mall))
        let topic = Topics.node("gate-1", mall: "m", .up)
        func batch(_ first: UInt64) -> WireMessage {
            .changes(
                ChangeBatch(
                    node: "gate-1", sentAt: 0,
                    changes: (first..<first + 5).map { seq in
                        Change(
                            id: ChangeID(origin: "gate-1", epoch: 1, seq: seq),
                            hlc: HybridTimestamp(wallMillis: 1_000 + seq), table: "gate_passages", key: "gp-\(seq)",
                            channel: Channel(mall: "m", kind: .parking), op: .insert, columns: ["lane": .text("n")])
                    }))
        }
        #expect(hub.receive(topic: topic, message: batch(1), now: 2_000).accepted == 5)
        #expect(hub.receive(topic: topic, message: batch(6), now: 2_000).accepted == 5)
        let refused = hub.receive(topic: topic, message: batch(11), now: 2_000)
        #expect(refused.rejection?.code == .rateLimited)
        #expect(hub.store.log.count == 10)
        // Five seconds later the same message is taken.
        #expect(hub.receive(topic: topic, message: batch(11), now: 7_000).accepted == 5)
    }
}

import Testing

@testable import SyncCore

@Suite struct UpstreamFlowTests {
    let id = { (seq: UInt64) in ChangeID(origin: "gate-1", epoch: 1, seq: seq) }

    @Test func sendsNothingWhileDisconnected() {
        var flow = UpstreamFlow()
        #expect(flow.next(outboxDepth: 5, now: 0) == nil)
    }

    @Test func fillsTheWindowInBatchesThenWaitsForAcks() {
        var flow = UpstreamFlow(configuration: .init(window: 5, batchSize: 2, ackTimeoutMillis: 1000))
        flow.connectionChanged(up: true, now: 0)
        #expect(flow.next(outboxDepth: 9, now: 0) == .send(after: nil, limit: 2))
        flow.sent(through: id(2), count: 2, now: 0)
        #expect(flow.next(outboxDepth: 9, now: 0) == .send(after: id(2), limit: 2))
        flow.sent(through: id(4), count: 2, now: 0)
        #expect(flow.next(outboxDepth: 9, now: 0) == .send(after: id(4), limit: 1))
        flow.sent(through: id(5), count: 1, now: 0)
        #expect(flow.next(outboxDepth: 9, now: 10) == nil)
        flow.acknowledged(pruned: 2, outboxDepth: 7, now: 20)
        #expect(flow.next(outboxDepth: 7, now: 20) == .send(after: id(5), limit: 2))
    }

    @Test func goesBackToTheOldestUnackedChangeAfterTheAckTimeout() {
        var flow = UpstreamFlow(configuration: .init(window: 4, batchSize: 4, ackTimeoutMillis: 1000))
        flow.connectionChanged(up: true, now: 0)
        flow.sent(through: id(4), count: 4, now: 0)
        #expect(flow.next(outboxDepth: 4, now: 999) == nil)
        #expect(flow.next(outboxDepth: 4, now: 1000) == .send(after: nil, limit: 4))
    }

    @Test func reconnectingResendsFromTheStart() {
        var flow = UpstreamFlow()
        flow.connectionChanged(up: true, now: 0)
        flow.sent(through: id(3), count: 3, now: 0)
        flow.connectionChanged(up: false, now: 1)
        flow.connectionChanged(up: true, now: 2)
        #expect(flow.next(outboxDepth: 3, now: 2) == .send(after: nil, limit: 3))
    }
}

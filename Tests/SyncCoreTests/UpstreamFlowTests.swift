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
        #expect(flow.next(outboxDepth: 9, now: 0) == nil, "a first round trip with one batch")
        flow.acknowledged(pruned: 2, outboxDepth: 7, now: 10)
        #expect(flow.window == 4)
        #expect(flow.next(outboxDepth: 7, now: 10) == .send(after: id(2), limit: 2))
        flow.sent(through: id(4), count: 2, now: 10)
        #expect(flow.next(outboxDepth: 7, now: 10) == .send(after: id(4), limit: 2))
        flow.sent(through: id(6), count: 2, now: 10)
        #expect(flow.next(outboxDepth: 7, now: 15) == nil)
        flow.acknowledged(pruned: 2, outboxDepth: 5, now: 20)
        #expect(flow.window == 5, "never past the configured window")
        #expect(flow.next(outboxDepth: 5, now: 20) == .send(after: id(6), limit: 2))
        flow.sent(through: id(8), count: 2, now: 20)
        #expect(flow.next(outboxDepth: 5, now: 20) == .send(after: id(8), limit: 1))
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

    @Test func aTimeoutHalvesTheWindowAndDoublesTheTimeout() {
        var flow = UpstreamFlow(configuration: .init(window: 8, batchSize: 2, ackTimeoutMillis: 1000))
        flow.connectionChanged(up: true, now: 0)
        flow.sent(through: id(2), count: 2, now: 0)
        flow.acknowledged(pruned: 2, outboxDepth: 30, now: 1)
        flow.sent(through: id(6), count: 4, now: 1)
        flow.acknowledged(pruned: 4, outboxDepth: 26, now: 2)
        #expect(flow.window == 8)
        flow.sent(through: id(14), count: 8, now: 2)
        #expect(flow.next(outboxDepth: 26, now: 1002) == .send(after: nil, limit: 2))
        #expect(flow.window == 4)
        #expect(flow.ackTimeoutMillis == 2000)
        flow.sent(through: id(8), count: 2, now: 1002)
        flow.sent(through: id(10), count: 2, now: 1002)
        #expect(flow.next(outboxDepth: 26, now: 1002) == nil, "four in flight fill the halved window")
        #expect(flow.next(outboxDepth: 26, now: 3001) == nil, "the doubled timeout has not passed")
        #expect(flow.next(outboxDepth: 26, now: 3002) == .send(after: nil, limit: 2))
        #expect(flow.window == 2, "never below one batch")
        #expect(flow.ackTimeoutMillis == 4000)
    }

    @Test func backingOffStopsAtAMinute() {
        var flow = UpstreamFlow(configuration: .init(window: 4, batchSize: 4, ackTimeoutMillis: 5000))
        flow.connectionChanged(up: true, now: 0)
        var now: UInt64 = 0
        for _ in 0..<10 {
            flow.sent(through: id(4), count: 4, now: now)
            now += flow.ackTimeoutMillis
            #expect(flow.next(outboxDepth: 4, now: now) != nil)
        }
        #expect(flow.ackTimeoutMillis == 60_000)
    }

    @Test func aSlowHubsRoundTripLengthensTheTimeout() {
        var flow = UpstreamFlow(configuration: .init(window: 4, batchSize: 2, ackTimeoutMillis: 1000))
        flow.connectionChanged(up: true, now: 0)
        flow.sent(through: id(2), count: 2, now: 0)
        flow.sent(through: id(4), count: 2, now: 0)
        flow.acknowledged(pruned: 2, outboxDepth: 10, now: 900)
        #expect(flow.ackTimeoutMillis == 2700, "900 ms round trip plus four times its 450 ms spread")
        flow.acknowledged(pruned: 2, outboxDepth: 8, now: 950)
        #expect(flow.ackTimeoutMillis > 1000)
    }

    @Test func aQuickHubNeverShortensTheConfiguredTimeout() {
        var flow = UpstreamFlow(configuration: .init(window: 4, batchSize: 2, ackTimeoutMillis: 1000))
        flow.connectionChanged(up: true, now: 0)
        flow.sent(through: id(2), count: 2, now: 0)
        flow.acknowledged(pruned: 2, outboxDepth: 10, now: 3)
        #expect(flow.ackTimeoutMillis == 1000)
    }

    @Test func acksOfResentChangesDoNotMeasureTheRoundTrip() {
        var flow = UpstreamFlow(configuration: .init(window: 4, batchSize: 2, ackTimeoutMillis: 1000))
        flow.connectionChanged(up: true, now: 0)
        flow.sent(through: id(4), count: 4, now: 0)
        #expect(flow.next(outboxDepth: 4, now: 1000) == .send(after: nil, limit: 2))
        flow.sent(through: id(2), count: 2, now: 1000)
        // The first send's ack, late: it could answer either send.
        flow.acknowledged(pruned: 2, outboxDepth: 2, now: 1001)
        #expect(flow.ackTimeoutMillis == 2000, "the backed-off timeout stands")
        flow.sent(through: id(4), count: 2, now: 1001)
        flow.acknowledged(pruned: 2, outboxDepth: 5, now: 1005)
        #expect(flow.ackTimeoutMillis == 2000, "those two were sent before the go-back as well")
        flow.sent(through: id(9), count: 2, now: 1005)
        flow.acknowledged(pruned: 2, outboxDepth: 3, now: 1010)
        #expect(flow.ackTimeoutMillis == 1000, "a fresh change's ack measures again")
    }

    @Test func theWindowStartsAtOneBatchAndDoublesEachRoundTrip() {
        var flow = UpstreamFlow(configuration: .init(window: 2000, batchSize: 250, ackTimeoutMillis: 1000))
        flow.connectionChanged(up: true, now: 0)
        #expect(flow.window == 250)
        flow.acknowledged(pruned: 250, outboxDepth: 10_000, now: 1)
        #expect(flow.window == 500)
        flow.acknowledged(pruned: 500, outboxDepth: 10_000, now: 2)
        #expect(flow.window == 1000)
        flow.acknowledged(pruned: 1000, outboxDepth: 10_000, now: 3)
        #expect(flow.window == 2000)
        flow.acknowledged(pruned: 2000, outboxDepth: 10_000, now: 4)
        #expect(flow.window == 2000, "never past the configured window")
    }

    @Test func afterATimeoutTheWindowGrowsByABatchPerWindowAcknowledged() {
        var flow = UpstreamFlow(configuration: .init(window: 8, batchSize: 2, ackTimeoutMillis: 1000))
        flow.connectionChanged(up: true, now: 0)
        flow.acknowledged(pruned: 6, outboxDepth: 100, now: 1)
        #expect(flow.window == 8)
        flow.sent(through: id(8), count: 8, now: 1)
        _ = flow.next(outboxDepth: 100, now: 1001)
        #expect(flow.window == 4)
        flow.acknowledged(pruned: 3, outboxDepth: 97, now: 1002)
        #expect(flow.window == 4)
        flow.acknowledged(pruned: 1, outboxDepth: 96, now: 1003)
        #expect(flow.window == 6)
        flow.acknowledged(pruned: 6, outboxDepth: 90, now: 1004)
        #expect(flow.window == 8)
        flow.acknowledged(pruned: 50, outboxDepth: 40, now: 1005)
        #expect(flow.window == 8, "never past the configured window")
    }

    @Test func aClockSetBackNeitherTrapsNorMeasures() {
        var flow = UpstreamFlow(configuration: .init(window: 4, batchSize: 2, ackTimeoutMillis: 1000))
        flow.connectionChanged(up: true, now: .max)
        flow.sent(through: id(2), count: 2, now: .max)
        flow.acknowledged(pruned: 2, outboxDepth: 4, now: 0)
        #expect(flow.ackTimeoutMillis == 1000)
        flow.sent(through: id(4), count: 2, now: 0)
        flow.acknowledged(pruned: 2, outboxDepth: 2, now: .max)
        #expect(flow.ackTimeoutMillis == 60_000, "a jump forward counts as a slow hub, capped")
    }
}

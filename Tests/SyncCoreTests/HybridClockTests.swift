import Testing

@testable import SyncCore

@Suite struct HybridClockTests {
    @Test func ticksFollowPhysicalTimeAndNeverGoBack() {
        var clock = HybridClock()
        let a = clock.tick(physicalMillis: 1000)
        let b = clock.tick(physicalMillis: 1000)
        // When the wall clock goes back, timestamps still grow.
        let c = clock.tick(physicalMillis: 500)
        #expect(a == HybridTimestamp(wallMillis: 1000, counter: 0))
        #expect(b == HybridTimestamp(wallMillis: 1000, counter: 1))
        #expect(c > b)
        #expect(clock.tick(physicalMillis: 2000) == HybridTimestamp(wallMillis: 2000, counter: 0))
    }

    @Test func observingARemoteTimestampOrdersLaterLocalEvents() {
        var clock = HybridClock()
        _ = clock.tick(physicalMillis: 1000)
        let adopted = clock.observe(HybridTimestamp(wallMillis: 5000, counter: 7), physicalMillis: 1000)
        #expect(adopted)
        #expect(clock.tick(physicalMillis: 1001) == HybridTimestamp(wallMillis: 5000, counter: 8))
    }

    @Test func refusesToAdoptAClockFarAhead() {
        var clock = HybridClock(maxForwardDriftMillis: 60_000)
        _ = clock.tick(physicalMillis: 1000)
        let adopted = clock.observe(HybridTimestamp(wallMillis: 1000 + 3_600_000), physicalMillis: 1000)
        #expect(!adopted)
        #expect(clock.last == HybridTimestamp(wallMillis: 1000))
    }

    @Test func counterOverflowRollsTheWallForward() {
        var clock = HybridClock(last: HybridTimestamp(wallMillis: 10, counter: .max))
        #expect(clock.tick(physicalMillis: 5) == HybridTimestamp(wallMillis: 11, counter: 0))
    }
}

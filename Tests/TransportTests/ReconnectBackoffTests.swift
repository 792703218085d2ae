import Testing
import Transport

@Suite struct ReconnectBackoffTests {
    @Test func delaysGrowThenStayUnderTheCapAndResetAfterAConnection() {
        var backoff = ReconnectBackoff(initialMillis: 100, maxMillis: 1000)
        let highest = (0..<8).map { _ in backoff.nextDelayMillis(unit: 0.999_999) }
        #expect(highest == [99, 199, 399, 799, 999, 999, 999, 999])
        backoff.reset()
        #expect(backoff.nextDelayMillis(unit: 0) == 50)
    }

    @Test func jitterSpreadsAFleetOverHalfTheCeilingAtLeast() {
        var low = ReconnectBackoff(initialMillis: 1000, maxMillis: 1000)
        var high = low
        #expect(low.nextDelayMillis(unit: 0) == 500)
        #expect(high.nextDelayMillis(unit: 0.5) == 750)
    }

    @Test func hugeAttemptCountsDoNotOverflow() {
        var backoff = ReconnectBackoff(initialMillis: 1 << 40, maxMillis: 1 << 50)
        for _ in 0..<100 { _ = backoff.nextDelayMillis(unit: 1) }
        #expect(backoff.ceilingMillis == 1 << 50)
    }
}

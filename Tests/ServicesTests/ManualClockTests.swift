import ServiceLifecycle
import Services
import Testing

/// The clock tests inject instead of sleeping: time moves only when told, and
/// sleepers wake when it passes their deadline, in deadline order.
@Suite struct ManualClockTests {
    @Test func sleepersWakeOnlyOnceTheirDeadlineIsPassedInDeadlineOrder() async throws {
        let clock = ManualClock(now: 1_000)
        let woken = WakeLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, millis) in [("late", 300), ("early", 100), ("middle", 200)] {
                group.addTask {
                    try await clock.sleep(for: .milliseconds(millis))
                    await woken.append(name, at: clock.now())
                }
            }
            while clock.sleepers < 3 { await Task.yield() }
            clock.advance(by: .milliseconds(99))
            #expect(clock.sleepers == 3, "no deadline is reached 1 ms early")
            clock.advance(by: .milliseconds(101))
            while clock.sleepers > 1 { await Task.yield() }
            clock.advance(by: .seconds(1))
            try await group.waitForAll()
        }
        #expect(clock.now() == 2_200)
        #expect(await woken.names.sorted() == ["early", "late", "middle"])
        #expect(await woken.entries.first { $0.name == "late" }?.at == 2_200)
    }

    @Test func aCancelledSleeperThrowsAndLeavesTheClock() async {
        let clock = ManualClock(now: 0)
        let sleeper = Task { try await clock.sleep(for: .seconds(60)) }
        while clock.sleepers < 1 { await Task.yield() }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleepers == 0)
    }

    /// Durations far past the end of time (a fuzzed timeout, `.seconds(Int64.max)`)
    /// saturate instead of trapping, and a negative one does not move the clock.
    @Test func hugeAndNegativeDurationsSaturateInsteadOfTrapping() async throws {
        let start = UInt64.max - 10
        let clock = ManualClock(now: start)
        let sleeper = Task { try await clock.sleep(for: .seconds(Int64.max)) }
        while clock.sleepers < 1 { await Task.yield() }
        clock.advance(by: .seconds(-5))
        #expect(clock.now() == start)
        clock.advance(by: .seconds(Int64.max))
        #expect(clock.now() == UInt64.max)
        try await sleeper.value
        #expect(clock.sleepers == 0)
    }

    /// A hub whose timer waits on a manual clock still stops when asked:
    /// the wait ends at shutdown, not when the clock next moves.
    @Test func aHubOnAManualClockStopsAtShutdown() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let clock = ManualClock(now: 1_800_000_000_000)
        let (hub, service) = try fleet.hub(fleet: ["g1": .init(mall: InMemoryFleet.mall, role: .gate)], clock: clock)
        let group = ServiceGroup(configuration: .init(services: [service], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            while await !hub.coordinator.fleet().connected || clock.sleepers == 0 { await Task.yield() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(clock.sleepers == 0)
    }
}

private actor WakeLog {
    var entries: [(name: String, at: UInt64)] = []
    var names: [String] { entries.map(\.name) }

    func append(_ name: String, at: UInt64) { entries.append((name, at)) }
}

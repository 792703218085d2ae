import Foundation
import Services
import Storage
import Testing

/// The console's node charts come from samples the hub saves, so a restarted
/// hub still shows the last hours.
@Suite struct ConsoleHistoryTests {
    @Test func aRestartedHubStillHasEachNodesHistory() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let members: [String: HubCoordinator.Engine.FleetMember] = [
            "g1": .init(mall: InMemoryFleet.mall, role: .gate), "l1": .init(mall: InMemoryFleet.mall, role: .lounge),
        ]
        let clock = ManualClock(now: 1_800_000_000_000)
        let (hub, _) = try fleet.hub(fleet: members, historyIntervalMillis: 10, clock: clock)
        for _ in 0..<3 {
            await hub.history.sampleIfDue(from: hub.coordinator)
            // A second look within the interval takes no sample.
            await hub.history.sampleIfDue(from: hub.coordinator)
            clock.advance(by: .milliseconds(10))
        }
        let before = await hub.history.samples(of: "g1")
        #expect(before.map(\.at) == [1_800_000_000_000, 1_800_000_000_010, 1_800_000_000_020])
        #expect(before.allSatisfy { $0.node == "g1" && !$0.online })

        let (restarted, _) = try fleet.hub(fleet: members, historyIntervalMillis: 10, clock: clock)
        let after = await restarted.history.samples(of: "g1")
        #expect(after == before)
        #expect(await restarted.history.samples(of: "l1").count == 3)
    }
}

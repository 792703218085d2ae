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
        let (hub, _) = try fleet.hub(fleet: members, historyIntervalMillis: 10)
        for _ in 0..<3 {
            await hub.tick()
            try await Task.sleep(for: .milliseconds(20))
        }
        let before = await hub.history(of: "g1")
        #expect(before.count == 3)
        #expect(before.allSatisfy { $0.node == "g1" && !$0.online })

        let (restarted, _) = try fleet.hub(fleet: members, historyIntervalMillis: 10)
        let after = await restarted.history(of: "g1")
        #expect(after == before)
        #expect(await restarted.history(of: "l1").count == 3)
    }
}

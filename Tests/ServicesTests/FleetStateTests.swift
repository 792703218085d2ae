import MallDomain
import Services
import SyncCore
import Testing

/// What the console, `mall-hub status` and the metrics say about a node.
@Suite struct FleetStateTests {
    @Test func lagCountsTheChannelsChangesNotHubWideLogPositions() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, _) = try fleet.hub(fleet: [
            "g1": .init(mall: InMemoryFleet.mall, role: .gate), "l1": .init(mall: InMemoryFleet.mall, role: .lounge),
        ])
        // Three hundred members imported (members channel), then one reservation (parking):
        try await hub.coordinator.write(
            (0..<300).map { .insert("members", "m-\($0)", ["name": .text("Member \($0)")]) }, mall: InMemoryFleet.mall,
            decision: "test")
        try await hub.coordinator.write(
            [GateDecisionTests.reservation("r1", plate: "沪AD1234")], mall: InMemoryFleet.mall, decision: "test")
        // the gate, which has applied nothing yet, is one change behind on parking, not three hundred.
        let gate = try #require(await hub.coordinator.fleet().nodes.first { $0.node == "g1" })
        let parking = try #require(gate.behind.first { $0.channel == "\(InMemoryFleet.mall)/parking" })
        #expect(parking.head > 300)
        #expect(parking.changes == 1)
        #expect(gate.changesBehind == 1)
        let desk = try #require(await hub.coordinator.fleet().nodes.first { $0.node == "l1" })
        #expect(desk.changesBehind == 300)
        #expect(try await hub.coordinator.consoleState().problems["g1"] == ["offline"])
    }
}

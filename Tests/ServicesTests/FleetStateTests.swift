import MallDomain
import Services
import SyncCore
import Testing
import Transport

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

    /// A node taking a windowed snapshot shows how far it got, by the rows
    /// the hub sent of those the channel held (SPEC §9.5), until the last window.
    @Test func aSnapshotUnderWayShowsTheRowsSentOfTheTotal() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, _) = try fleet.hub(
            fleet: ["g1": .init(mall: InMemoryFleet.mall, role: .gate)], snapshotRowsPerWindow: 2)
        try await hub.coordinator.write(
            (1...5).map { GateDecisionTests.reservation("r\($0)", plate: "沪AD123\($0)") }, mall: InMemoryFleet.mall,
            decision: "test")
        let parking = Channel(mall: InMemoryFleet.mall, kind: .parking)
        let codec = WireCodec(schema: .mall)
        func ask(_ resume: SnapshotProgress?) async -> FleetState.SnapshotProgress? {
            let request = SnapshotRequest(node: "g1", channel: parking, windowed: true, resume: resume)
            _ = await hub.coordinator.handle(
                .message(
                    TransportMessage(
                        topic: Topics.node("g1", mall: InMemoryFleet.mall, .up),
                        payload: codec.encode(.snapshotRequest(request)))))
            let gate = await hub.coordinator.fleet().nodes.first { $0.node == "g1" }
            return gate?.behind.first { $0.channel == parking.description }?.snapshot
        }
        let first = await ask(nil)
        #expect(first?.rowsSent == 2 && first?.rowsTotal == 5)
        let at = await hub.coordinator.fleet().nodes[0].behind[0].head
        let history = await hub.coordinator.fleet().hubHistory
        let staged = SnapshotProgress(
            snapshotID: "s", at: at, through: RowRef(table: "reservations", key: "r2"), held: 2, chain: "", total: 5,
            history: history)
        #expect(await ask(staged)?.rowsSent == 4)
        var last = staged
        last.through = RowRef(table: "reservations", key: "r4")
        last.held = 4
        #expect(await ask(last) == nil)
    }
}

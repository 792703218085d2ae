import BrokerHarness
import Foundation
import Logging
import MallDomain
import ServiceLifecycle
import Services
import Simulation
import SyncCore
import Testing
import Transport

/// Sync over the in-memory broker: partitions and a broker that drops.
@Suite struct ServicesOverInMemoryBrokerTests {
    static func passage(_ key: String) -> LocalWrite {
        .insert("gate_passages", key, ["lane": .text("n1"), "direction": .text("in"), "at": .int(1)])
    }

    @Test func partitionedGateCatchesUpThroughADroppingBroker() async throws {
        let fleet = try InMemoryFleet(maxQueued: 5)
        defer { fleet.remove() }
        let broker = fleet.broker
        let member = HubCoordinator.Engine.FleetMember(mall: InMemoryFleet.mall, role: .gate)
        let (hub, hubService) = try fleet.hub(fleet: ["g1": member, "g2": member])
        let (g1, g1Service) = try fleet.node("g1")
        let (g2, g2Service) = try fleet.node("g2")
        let group = ServiceGroup(
            configuration: .init(services: [hubService, g1Service, g2Service], logger: fleet.quiet))

        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }

            // Given g2 is cut off while g1 decides 40 times (its queue of 5 overflows)…
            #expect(
                await eventually {
                    let first = await g1.syncState().connected
                    let second = await g2.syncState().connected
                    return first && second
                })
            broker.partition("g2")
            for i in 0..<40 { _ = try await g1.commit([Self.passage("a\(i)")], decision: "admit") }
            // …and g2 decides on its own meanwhile,
            for i in 0..<10 { _ = try await g2.commit([Self.passage("b\(i)")], decision: "admit") }
            #expect(await eventually { broker.dropped > 0 })

            // when the partition heals, every replica ends with all 50 passages.
            broker.heal("g2")
            // Recovery through a broker that drops everything past 5 queued
            // messages is slow when the machine is busy: be patient, and poll
            // the (costly) digests gently so the poll does not starve the sync.
            #expect(
                await eventually(seconds: 90, every: .milliseconds(250)) {
                    let hubDigest = try? await hub.coordinator.digests()["mall-x/parking"]
                    let digests = [
                        try? await g1.digests()["mall-x/parking"], try? await g2.digests()["mall-x/parking"],
                    ]
                    // Equal digests mean the hub has every change; an empty outbox
                    // means each gate has also had its acknowledgement.
                    let depths = [await g1.syncState().outboxDepth, await g2.syncState().outboxDepth]
                    return hubDigest != nil && digests.allSatisfy { $0 == hubDigest } && depths == [0, 0]
                })
            #expect(try await g2.row(table: "gate_passages", key: "a39")?.isVisible == true)
            #expect(try await g1.row(table: "gate_passages", key: "b9")?.isVisible == true)
            // Caught up, each gate says so: every cursor at the head the hub told it.
            for gate in [g1, g2] {
                #expect(
                    await eventually {
                        let cursors = await gate.syncState().cursors
                        return cursors.allSatisfy { $0.seq == $0.head } && cursors.contains { $0.head > 0 }
                    })
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

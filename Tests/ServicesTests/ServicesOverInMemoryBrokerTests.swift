import BrokerHarness
import Foundation
import Logging
import ServiceLifecycle
import Services
import Simulation
import SyncCore
import Testing
import Transport

/// The node and hub services, wired as the executables wire them but over
/// the in-memory broker, with real SQLite files: partitions and drops on
/// demand, no processes, no network.
@Suite struct ServicesOverInMemoryBrokerTests {
    static let mall = "mall-x"
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("services-\(UUID().uuidString)")
    let broker = InMemoryBroker(maxQueued: 5)
    let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    func hub(fleet: [NodeID: HubCoordinator.Engine.FleetMember]) throws -> (HubCoordinator, HubSyncService) {
        let outgoing = OutgoingQueue()
        let coordinator = try HubCoordinator(
            configuration: .init(fleet: fleet, statusIntervalMillis: 100), storePath: "\(directory.path)/hub.sqlite",
            clock: WallClock(), outgoing: outgoing, logger: quiet)
        let transport = InMemoryTransport(
            broker: broker, session: Session(clientID: "hub", subscriptions: Topics.hubSubscriptions))
        return (
            coordinator,
            HubSyncService(coordinator: coordinator, transport: transport, outgoing: outgoing, logger: quiet)
        )
    }

    func node(_ id: NodeID) throws -> (NodeCoordinator, NodeSyncService) {
        let configuration = NodeCoordinator.Engine.Configuration(
            node: id, mall: Self.mall, role: .gate, upstream: .init(ackTimeoutMillis: 300),
            downstream: .init(catchUpDelayMillis: 50, requestTimeoutMillis: 300), heartbeatIntervalMillis: 100)
        let outgoing = OutgoingQueue()
        let coordinator = try NodeCoordinator(
            configuration: configuration, replicaPath: "\(directory.path)/\(id).sqlite", clock: WallClock(),
            outgoing: outgoing, logger: quiet)
        let will = coordinator.will(for: configuration, epoch: 1)
        let transport = InMemoryTransport(
            broker: broker,
            session: Session(
                clientID: id,
                subscriptions: Topics.nodeSubscriptions(id, mall: Self.mall, channels: configuration.channels),
                will: will))
        return (
            coordinator,
            NodeSyncService(
                coordinator: coordinator, transport: transport, outgoing: outgoing, will: will, logger: quiet)
        )
    }

    static func passage(_ key: String) -> LocalWrite {
        .insert("gate_passages", key, ["lane": .text("n1"), "direction": .text("in"), "at": .int(1)])
    }

    @Test func partitionedGateCatchesUpThroughADroppingBroker() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let member = HubCoordinator.Engine.FleetMember(mall: Self.mall, role: .gate)
        let (hub, hubService) = try hub(fleet: ["g1": member, "g2": member])
        let (g1, g1Service) = try node("g1")
        let (g2, g2Service) = try node("g2")
        let group = ServiceGroup(
            configuration: .init(services: [hubService, g1Service, g2Service], logger: quiet))

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
            #expect(
                await eventually {
                    let hubDigest = try? await hub.digests()["mall-x/parking"]
                    let digests = [
                        try? await g1.digests()["mall-x/parking"], try? await g2.digests()["mall-x/parking"],
                    ]
                    return hubDigest != nil && digests.allSatisfy { $0 == hubDigest }
                })
            #expect(try await g2.row(table: "gate_passages", key: "a39")?.isVisible == true)
            #expect(try await g1.row(table: "gate_passages", key: "b9")?.isVisible == true)
            let depths = [await g1.syncState().outboxDepth, await g2.syncState().outboxDepth]
            #expect(depths == [0, 0])
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

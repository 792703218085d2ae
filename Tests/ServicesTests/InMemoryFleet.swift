import EdgeRules
import Foundation
import Logging
import MallSchema
import Services
import Simulation
import SyncCore
import Transport

/// The node and hub services wired as the executables wire them, but over
/// the in-memory broker with real SQLite files in a fresh directory:
/// partitions and drops on demand, no processes, no network.
struct InMemoryFleet {
    static let mall = "mall-x"
    static let adminToken = "test-admin-token-0001"
    /// Real SQLite files, on tmpfs where there is one: dozens of suites run
    /// at once, and their fsyncs on one disk made each other's durable
    /// commits slow enough to time out (power loss is tested by its own shim).
    let directory: URL = {
        let memory = "/dev/shm"
        let base =
            FileManager.default.isWritableFile(atPath: memory)
            ? URL(fileURLWithPath: memory) : FileManager.default.temporaryDirectory
        return base.appendingPathComponent("malledge-services-\(UUID().uuidString)")
    }()
    let broker: InMemoryBroker
    let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    init(maxQueued: Int = 1000) throws {
        broker = InMemoryBroker(maxQueued: maxQueued)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A transport on this fleet's broker.
    func transport(clientID: String, subscriptions: [String]) -> InMemoryTransport {
        InMemoryTransport(broker: broker, session: Session(clientID: clientID, subscriptions: subscriptions))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func hub(
        fleet: [NodeID: HubCoordinator.Engine.FleetMember], scalpers: ScalperWatch.Configuration = .init(),
        metrics: HubMetrics? = nil, operators: [Operator] = [], historyIntervalMillis: UInt64 = 30_000
    ) throws -> (HubCoordinator, HubSyncService) {
        let outgoing = OutgoingQueue()
        let coordinator = try HubCoordinator(
            configuration: .init(schema: .mall, fleet: fleet, statusIntervalMillis: 100),
            storePath: "\(directory.path)/hub.sqlite",
            clock: WallClock(), outgoing: outgoing,
            policies: HubPolicies(
                adminTokens: [Self.adminToken], giftKeyDirectory: "\(directory.path)/gift-keys", scalpers: scalpers,
                operators: operators, historyIntervalMillis: historyIntervalMillis),
            metrics: metrics, logger: quiet)
        let transport = InMemoryTransport(
            broker: broker, session: Session(clientID: "hub", subscriptions: Topics.hubSubscriptions))
        return (
            coordinator,
            HubSyncService(coordinator: coordinator, transport: transport, outgoing: outgoing, logger: quiet)
        )
    }

    func node(_ id: NodeID, role: Role = .gate, policies: EdgePolicies = EdgePolicies(), mall: String = mall)
        throws -> (NodeCoordinator, NodeSyncService)
    {
        let configuration = NodeCoordinator.Engine.Configuration(
            schema: .mall, node: id, mall: mall, role: role, upstream: .init(ackTimeoutMillis: 300),
            downstream: .init(catchUpDelayMillis: 50, requestTimeoutMillis: 300), heartbeatIntervalMillis: 100)
        let outgoing = OutgoingQueue()
        let coordinator = try NodeCoordinator(
            configuration: configuration, replicaPath: "\(directory.path)/\(id).sqlite", clock: WallClock(),
            outgoing: outgoing, policies: policies, logger: quiet)
        let will = coordinator.will(for: configuration, epoch: 1)
        let transport = InMemoryTransport(
            broker: broker,
            session: Session(
                clientID: id,
                subscriptions: Topics.nodeSubscriptions(id, mall: mall, channels: configuration.channels),
                will: will))
        return (
            coordinator,
            NodeSyncService(
                coordinator: coordinator, transport: transport, outgoing: outgoing, will: will, logger: quiet)
        )
    }
}

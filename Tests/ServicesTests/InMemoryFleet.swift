import Foundation
import Logging
import MallDomain
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
        metrics: HubMetrics? = nil, operators: [Operator] = [], historyIntervalMillis: UInt64 = 30_000,
        clock: any FleetClock = WallClock(), snapshotRowsPerWindow: Int = 5000
    ) throws -> (Hub, HubSyncService) {
        try Wiring.hub(
            configuration: .init(
                schema: .mall, fleet: fleet, statusIntervalMillis: 100, snapshotRowsPerWindow: snapshotRowsPerWindow),
            storePath: "\(directory.path)/hub.sqlite", clock: clock,
            policies: HubPolicies(
                adminTokens: [Self.adminToken], giftKeyDirectory: "\(directory.path)/gift-keys", scalpers: scalpers,
                operators: operators, historyIntervalMillis: historyIntervalMillis),
            metrics: metrics, clientID: "hub", logger: quiet
        ) { InMemoryTransport(broker: broker, session: $0) }
    }

    func node(_ id: NodeID, role: Role = .gate, policies: EdgePolicies = EdgePolicies(), mall: String = mall)
        throws -> (NodeCoordinator, NodeSyncService)
    {
        let configuration = NodeCoordinator.Engine.Configuration(
            schema: .mall, node: id, mall: mall, role: role, upstream: .init(ackTimeoutMillis: 300),
            downstream: .init(catchUpDelayMillis: 50, requestTimeoutMillis: 300), heartbeatIntervalMillis: 100)
        return try Wiring.node(
            configuration: configuration, replicaPath: "\(directory.path)/\(id).sqlite", clock: WallClock(),
            policies: policies, clientID: id, logger: quiet
        ) { InMemoryTransport(broker: broker, session: $0) }
    }
}

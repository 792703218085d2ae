public import Logging
public import SyncCore
public import Transport

/// How a node's and the hub's insides are put together, written once: the
/// executables call these with a real Mosquitto client, the tests with the
/// in-memory transport, so what the tests run is what ships (the session's
/// subscriptions, its last will, the queue between coordinator and sync loop).
public enum Wiring {
    /// Opens a node's replica and wires its coordinator to the transport
    /// `connect` makes for the node's MQTT session.
    public static func node(
        configuration: NodeCoordinator.Engine.Configuration, replicaPath: String, clock: WallClock,
        policies: EdgePolicies, clientID: String, logger: Logger,
        connect: (Session) throws -> any MessageTransport
    ) throws -> (NodeCoordinator, NodeSyncService) {
        let outgoing = OutgoingQueue()
        let coordinator = try NodeCoordinator(
            configuration: configuration, replicaPath: replicaPath, clock: clock, outgoing: outgoing,
            policies: policies, logger: logger)
        let session = Session(
            clientID: clientID,
            subscriptions: Topics.nodeSubscriptions(
                configuration.node, mall: configuration.mall, channels: configuration.channels),
            will: coordinator.will)
        let sync = NodeSyncService(
            coordinator: coordinator, transport: try connect(session), outgoing: outgoing, will: coordinator.will,
            logger: logger)
        return (coordinator, sync)
    }

    /// Opens the hub's store and wires its coordinator to the transport
    /// `connect` makes for the hub's MQTT session.
    public static func hub(
        configuration: HubCoordinator.Engine.Configuration, storePath: String, clock: WallClock,
        policies: HubPolicies, metrics: HubMetrics?, clientID: String, logger: Logger,
        connect: (Session) throws -> any MessageTransport
    ) throws -> (HubCoordinator, HubSyncService) {
        let outgoing = OutgoingQueue()
        let coordinator = try HubCoordinator(
            configuration: configuration, storePath: storePath, clock: clock, outgoing: outgoing,
            policies: policies, metrics: metrics, logger: logger)
        let session = Session(clientID: clientID, subscriptions: Topics.hubSubscriptions, will: coordinator.will)
        let sync = HubSyncService(
            coordinator: coordinator, transport: try connect(session), outgoing: outgoing, logger: logger)
        return (coordinator, sync)
    }
}

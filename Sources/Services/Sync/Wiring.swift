public import Logging
import Storage
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
        configuration: NodeCoordinator.Engine.Configuration, replicaPath: String, clock: any FleetClock,
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
            latestOnly: [Topics.hubStatus], will: coordinator.will)
        let sync = NodeSyncService(
            coordinator: coordinator, transport: try connect(session), outgoing: outgoing, will: coordinator.will,
            logger: logger)
        return (coordinator, sync)
    }

    /// Opens the hub's store, rebuilds its components' state from it and
    /// wires them to the transport `connect` makes for the hub's MQTT session.
    public static func hub(
        configuration: HubCoordinator.Engine.Configuration, storePath: String, clock: any FleetClock,
        policies: HubPolicies, metrics: HubMetrics?, clientID: String, logger: Logger,
        connect: (Session) throws -> any MessageTransport
    ) throws -> (Hub, HubSyncService) {
        let outgoing = OutgoingQueue()
        let store = try SQLiteHubStore(path: storePath, schema: configuration.schema, auditTrail: .mall)
        // What the components keep of the store is read before the hub's
        // actor takes it: two tables of their own, and the scalper watch's day.
        let sessions = store.consoleSessions
        let history = store.nodeHistory
        let scalpers = try ScalperWatcher.rebuilt(
            from: store, configuration: policies.scalpers, now: clock.now(), logger: logger)
        let coordinator = try HubCoordinator(
            configuration: configuration, store: store, clock: clock, outgoing: outgoing, policies: policies,
            metrics: metrics, logger: logger)
        let hub = Hub(
            coordinator: coordinator,
            console: try ConsoleSessions(
                operators: policies.operators, table: sessions, hub: coordinator, logger: logger),
            history: try FleetHistory(
                table: history, clock: clock, intervalMillis: policies.historyIntervalMillis,
                spanMillis: policies.historyMillis, logger: logger),
            gifts: GiftIssuer(hub: coordinator, logger: logger),
            imports: RowImporter(hub: coordinator),
            scalpers: ScalperWatcher(watch: scalpers, hub: coordinator, logger: logger))
        let session = Session(clientID: clientID, subscriptions: Topics.hubSubscriptions, will: coordinator.will)
        let sync = HubSyncService(hub: hub, transport: try connect(session), outgoing: outgoing, logger: logger)
        return (hub, sync)
    }
}

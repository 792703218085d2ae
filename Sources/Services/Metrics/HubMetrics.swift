public import Prometheus

/// The hub's metrics in Prometheus format (swift-prometheus): what the hub
/// counts as it works (changes accepted, duplicates, messages published,
/// rejections by reason, conflicts by kind) and, at each scrape, every
/// node's sync state as gauges (online, last seen, outbox depth, oldest
/// unsynced change, lag per channel, clock skew). Each hub owns its
/// registry, so tests can run several hubs in one process.
///
/// The registry is used directly rather than through swift-metrics: the
/// swift-metrics API carries no help text, and `promtool check metrics`
/// refuses metrics without one.
public final class HubMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let accepted: Counter
    private let duplicates: Counter
    private let published: Counter

    public init() {
        accepted = registry.makeCounter(
            descriptor: Self.name("hub", "changes_accepted", "total", "Changes from nodes the hub logged."))
        duplicates = registry.makeCounter(
            descriptor: Self.name(
                "hub", "changes_duplicate", "total", "Changes the hub already held when they came again."))
        published = registry.makeCounter(
            descriptor: Self.name(
                "hub", "messages_published", "total", "Messages the hub published (acks, batches, fan-out)."))
    }

    /// `malledge_{subsystem}_{name}_{unit}`, with its help text.
    private static func name(_ subsystem: String?, _ name: String, _ unit: String, _ help: String)
        -> MetricNameDescriptor
    {
        MetricNameDescriptor(
            namespace: "malledge", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
    }

    func ingested(accepted count: Int, duplicates duplicateCount: Int, published messages: Int) {
        if count > 0 { accepted.increment(by: Int64(count)) }
        if duplicateCount > 0 { duplicates.increment(by: Int64(duplicateCount)) }
        if messages > 0 { published.increment(by: Int64(messages)) }
    }

    func rejected(reason: String) {
        registry.makeCounter(
            descriptor: Self.name(
                "hub", "messages_rejected", "total",
                "Messages the hub refused, by reason; nothing of a refused message is applied."),
            labels: [("reason", reason)]
        ).increment()
    }

    func conflict(kind: String) {
        registry.makeCounter(
            descriptor: Self.name(
                nil, "conflicts", "total", "Conflicts recorded in the ledger, by kind (double use, scalper flags)."),
            labels: [("kind", kind)]
        ).increment()
    }

    private static func nodeGauge(_ key: String) -> MetricNameDescriptor {
        switch key {
        case "online": name("node", "online", "", "1 while the node is online (birth or heartbeat, no death since).")
        case "lastSeen":
            name("node", "last_seen", "seconds", "Seconds since the hub last heard from the node (-1: never).")
        case "outbox":
            name("node", "outbox", "depth", "Changes decided at the node and not yet acknowledged by the hub.")
        case "oldest":
            name("node", "oldest_unsynced", "seconds", "Age of the oldest change the hub has not acknowledged.")
        case "skew": name("node", "clock_skew", "seconds", "The node's clock minus the hub's, from its last heartbeat.")
        default:
            name(
                "node", "channel_lag", "changes", "Changes of the channel the hub logged that the node has not applied."
            )
        }
    }

    /// Sets the per-node gauges from the fleet as the hub sees it now.
    func record(_ fleet: FleetState) {
        func gauge(_ name: String, _ node: FleetState.Node, _ value: Double, extra: [(String, String)] = []) {
            registry.makeGauge(
                descriptor: Self.nodeGauge(name),
                labels: [("node", node.node), ("mall", node.mall), ("role", node.role)] + extra
            ).set(value)
        }
        for node in fleet.nodes {
            gauge("online", node, node.online ? 1.0 : 0.0)
            gauge("lastSeen", node, node.lastSeenAgoMillis.map { Double($0) / 1000 } ?? -1)
            gauge("outbox", node, Double(node.outboxDepth ?? 0))
            gauge("oldest", node, node.oldestUnsyncedAgeMillis.map { Double($0) / 1000 } ?? 0)
            gauge("skew", node, Double(node.skewMillis ?? 0) / 1000)
            for lag in node.behind {
                gauge(
                    "lag", node,
                    Double(lag.head > lag.cursor ? lag.head - lag.cursor : 0), extra: [("channel", lag.channel)])
            }
        }
        registry.makeGauge(descriptor: Self.name("hub", "log", "seq", "The last sequence number of the hub's log."))
            .set(Double(fleet.hubSeq))
        registry.makeGauge(
            descriptor: Self.name("hub", "broker_connected", "", "1 while the hub is connected to the broker.")
        ).set(fleet.connected ? 1.0 : 0.0)
    }

    /// The Prometheus text exposition.
    public func exposition() -> String { registry.emitToString() }
}

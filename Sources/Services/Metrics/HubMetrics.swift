import CoreMetrics
public import Prometheus
import Synchronization

/// The hub's metrics, counted through swift-metrics into a Prometheus
/// registry (swift-prometheus): what the hub counts as it works (changes
/// accepted, duplicates, messages published, rejections by reason,
/// conflicts by kind) and, at each scrape, every node's sync state as
/// gauges (online, last seen, outbox depth, oldest unsynced change, lag per
/// channel, clock skew). Each hub owns its registry and passes its factory
/// to every metric instead of bootstrapping the process-wide one, so tests
/// can run several hubs in one process.
public final class HubMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let factory: DocumentedPrometheusFactory
    private let accepted: CoreMetrics.Counter
    private let duplicates: CoreMetrics.Counter
    private let published: CoreMetrics.Counter
    private let knownConflictKinds = Mutex<Set<String>>([])

    static let help = [
        "malledge_hub_changes_accepted_total": "Changes from nodes the hub logged.",
        "malledge_hub_changes_duplicate_total": "Changes the hub already held when they came again.",
        "malledge_hub_messages_published_total": "Messages the hub published (acks, batches, fan-out).",
        "malledge_hub_messages_rejected_total":
            "Messages the hub refused, by reason; nothing of a refused message is applied.",
        "malledge_console_login_lockouts_total":
            "Console accounts or client addresses locked out after repeated failed logins.",
        "malledge_conflicts_total": "Conflicts recorded in the ledger, by kind (double use, scalper flags).",
        "malledge_conflicts_open": "Conflicts in the ledger waiting for an operator's decision, by kind.",
        "malledge_node_online": "1 while the node is online (birth or heartbeat, no death since).",
        "malledge_node_last_seen_seconds": "Seconds since the hub last heard from the node (-1: never).",
        "malledge_node_outbox_depth": "Changes decided at the node and not yet acknowledged by the hub.",
        "malledge_node_oldest_unsynced_seconds": "Age of the oldest change the hub has not acknowledged.",
        "malledge_node_clock_skew_seconds": "The node's clock minus the hub's, from its last heartbeat.",
        "malledge_node_channel_lag_changes": "Changes of the channel the hub logged that the node has not applied.",
        "malledge_hub_log_seq": "The last sequence number of the hub's log.",
        "malledge_hub_broker_connected": "1 while the hub is connected to the broker.",
    ]

    public init() {
        factory = DocumentedPrometheusFactory(registry: registry, help: Self.help)
        accepted = CoreMetrics.Counter(label: "malledge_hub_changes_accepted_total", factory: factory)
        duplicates = CoreMetrics.Counter(label: "malledge_hub_changes_duplicate_total", factory: factory)
        published = CoreMetrics.Counter(label: "malledge_hub_messages_published_total", factory: factory)
    }

    func ingested(accepted count: Int, duplicates duplicateCount: Int, published messages: Int) {
        if count > 0 { accepted.increment(by: count) }
        if duplicateCount > 0 { duplicates.increment(by: duplicateCount) }
        if messages > 0 { published.increment(by: messages) }
    }

    func rejected(reason: String) {
        CoreMetrics.Counter(
            label: "malledge_hub_messages_rejected_total", dimensions: [("reason", reason)], factory: factory
        ).increment()
    }

    func consoleLoginLockout() {
        CoreMetrics.Counter(label: "malledge_console_login_lockouts_total", factory: factory).increment()
    }

    func conflict(kind: String) {
        CoreMetrics.Counter(label: "malledge_conflicts_total", dimensions: [("kind", kind)], factory: factory)
            .increment()
    }

    /// Sets the per-node gauges from the fleet as the hub sees it now.
    func record(_ fleet: FleetState) {
        func gauge(_ name: String, _ node: FleetState.Node, _ value: Double, extra: [(String, String)] = []) {
            Meter(
                label: "malledge_node_\(name)",
                dimensions: [("node", node.node), ("mall", node.mall), ("role", node.role)] + extra, factory: factory
            ).set(value)
        }
        for node in fleet.nodes {
            gauge("online", node, node.online ? 1.0 : 0.0)
            gauge("last_seen_seconds", node, node.lastSeenAgoMillis.map { Double($0) / 1000 } ?? -1)
            gauge("outbox_depth", node, Double(node.outboxDepth ?? 0))
            gauge("oldest_unsynced_seconds", node, node.oldestUnsyncedAgeMillis.map { Double($0) / 1000 } ?? 0)
            gauge("clock_skew_seconds", node, Double(node.skewMillis ?? 0) / 1000)
            for lag in node.behind {
                gauge(
                    "channel_lag_changes", node, Double(lag.changes),
                    extra: [("channel", lag.channel)])
            }
        }
        Meter(label: "malledge_hub_log_seq", factory: factory).set(Double(fleet.hubSeq))
        Meter(label: "malledge_hub_broker_connected", factory: factory).set(fleet.connected ? 1.0 : 0.0)
    }

    /// Sets the open-conflict gauges from the ledger as it is now (kinds
    /// seen before and now settled go back to 0).
    func recordOpenConflicts(_ kinds: [String]) {
        var counts = knownConflictKinds.withLock { known in
            Dictionary(uniqueKeysWithValues: known.map { ($0, 0) })
        }
        for kind in kinds { counts[kind, default: 0] += 1 }
        knownConflictKinds.withLock { $0.formUnion(counts.keys) }
        for (kind, count) in counts {
            Meter(label: "malledge_conflicts_open", dimensions: [("kind", kind)], factory: factory).set(count)
        }
    }

    /// The Prometheus text exposition.
    public func exposition() -> String { registry.emitToString() }
}

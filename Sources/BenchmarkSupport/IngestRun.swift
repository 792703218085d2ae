import Foundation
import Logging
import MallDomain
import MosquittoTransport
import ServiceLifecycle
import Services
import SyncCore
import Transport

/// Changes into the hub through a real Mosquitto broker, shared by
/// `mall-bench ingest` and the benchmark suite: `gates` gates, each of its
/// own mall (so that the figure is the hub's intake, not the gates' reading
/// of one another's passages), each following its channels and holding
/// `changes` changes decided while the broker was away, connect at once;
/// `drain` times how long until the hub has taken and durably acknowledged
/// every one (each gate's outbox empty). The hub, the gates, their SQLite
/// files and MQTT sessions are the production ones (`Wiring`), in one
/// process.
public final class IngestRun {
    public struct Outcome: Sendable {
        public var seconds: Double
        /// Changes the hub took again (a gate's ack timed out and it resent).
        public var duplicates: Int
    }

    /// The queue limits of `deploy/mosquitto/mall.conf`: past
    /// `max_queued_messages` the broker drops QoS 1 messages silently.
    public static let productionQueues = [
        "max_queued_messages 5000", "max_inflight_messages 500", "set_tcp_nodelay true",
    ]

    /// About the size of one of these changes as JSON (`bytesPerChange`
    /// measured 315), for a baseline that has no run to ask.
    public static let changeSizedMessage = 315

    public let gates: Int
    public let changes: Int
    /// The size of one change as JSON, for the baseline's messages.
    public private(set) var bytesPerChange = 0
    private let hub: Hub
    private let hubSync: HubSyncService
    private let nodes: [(NodeCoordinator, NodeSyncService)]

    /// Prepares the run under `base`: each gate first takes its channels'
    /// snapshots and follows them, as a gate in service does, and stops;
    /// its backlog is decided while it is away. (A gate that never synced
    /// would also be bootstrapping while it sends, which is another figure.)
    public init(gates: Int, changes: Int, base: String, port: Int) async throws {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        self.gates = gates
        self.changes = changes
        let ids = (1...gates).map { NodeID("gate-\($0)") }
        try await Self.followChannels(ids, base: base, port: port)
        (hub, hubSync, nodes) = try Self.fleet(ids, base: base, port: port)
        for (coordinator, _) in nodes { bytesPerChange = try await Self.fillOutbox(of: coordinator, count: changes) }
    }

    /// Runs the hub and the gates until every outbox is empty: the seconds it took.
    public func drain() async throws -> Outcome {
        let nodes = nodes
        let started = ContinuousClock.now
        let seconds = try await Self.running(hubSync, nodes) {
            while true {
                var waiting = 0
                for (coordinator, _) in nodes { waiting += await coordinator.syncState().outboxDepth }
                if waiting == 0 { return }
                try await Task.sleep(for: .milliseconds(5))
            }
        } then: {
            let elapsed = ContinuousClock.now - started
            return elapsed.asSeconds
        }
        let fleet = await hub.coordinator.fleet()
        guard fleet.accepted == gates * changes else {
            throw BenchmarkFailure("the hub accepted \(fleet.accepted) changes of \(gates * changes)")
        }
        return Outcome(seconds: seconds, duplicates: fleet.duplicates)
    }

    /// Runs the hub and the gates until every gate follows each of its
    /// channels, then stops them all (their stores closed with them).
    static func followChannels(_ ids: [NodeID], base: String, port: Int) async throws {
        let (_, hubSync, nodes) = try fleet(ids, base: base, port: port)
        let deadline = ContinuousClock.now + .seconds(60)
        try await running(hubSync, nodes) {
            for (coordinator, _) in nodes {
                while !(await coordinator.followsEveryChannel) {
                    guard ContinuousClock.now < deadline else {
                        throw BenchmarkFailure("\(coordinator.node) did not take its snapshots within 60 s")
                    }
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
        } then: {
        }
    }

    /// The production hub and gates (`Wiring`) on the stores under `base`,
    /// each gate of its own mall, so that the figure is the hub's intake, not
    /// the gates' reading of one another's passages.
    static func fleet(_ ids: [NodeID], base: String, port: Int) throws -> (
        Hub, HubSyncService, [(NodeCoordinator, NodeSyncService)]
    ) {
        let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        func mall(of id: NodeID) -> String { "mall-\(id)" }
        let options = MosquittoClient.Options(port: port)
        let (hub, hubSync) = try Wiring.hub(
            configuration: .init(
                schema: .mall,
                fleet: Dictionary(uniqueKeysWithValues: ids.map { ($0, .init(mall: mall(of: $0), role: .gate)) })),
            storePath: "\(base)/hub.sqlite", clock: WallClock(), policies: HubPolicies(), metrics: nil,
            clientID: "hub-\(UUID().uuidString.prefix(8))", logger: quiet
        ) { try MosquittoClient(session: $0, options: options, logger: quiet) }
        let nodes = try ids.map { id in
            try Wiring.node(
                configuration: .init(schema: .mall, node: id, mall: mall(of: id), role: .gate),
                replicaPath: "\(base)/\(id).sqlite", clock: WallClock(), policies: EdgePolicies(),
                clientID: "\(id)-\(UUID().uuidString.prefix(8))", logger: quiet
            ) { try MosquittoClient(session: $0, options: options, logger: quiet) }
        }
        return (hub, hubSync, nodes)
    }

    /// Runs the services until `until` returns, takes `then` at once, and
    /// stops them.
    static func running<T>(
        _ hubSync: HubSyncService, _ nodes: [(NodeCoordinator, NodeSyncService)],
        until: @escaping @Sendable () async throws -> Void, then: () -> T
    ) async throws -> T {
        let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let group = ServiceGroup(
            configuration: .init(services: [hubSync] + nodes.map(\.1), gracefulShutdownSignals: [], logger: quiet))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await until()
            let value = then()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return value
        }
    }

    /// `count` gate passages committed at `node` while it is offline, 100
    /// a transaction, as a busy lane leaves them.
    /// - Returns: the size of one as JSON, for the baseline's messages.
    static func fillOutbox(of node: NodeCoordinator, count: Int) async throws -> Int {
        var plates = SyntheticPlates(seed: 7)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var size = 0
        for first in stride(from: 0, to: count, by: 100) {
            let writes = (first..<min(first + 100, count)).map { index in
                LocalWrite.insert(
                    "gate_passages", "gp-\(node.node)-bench-\(index)",
                    [
                        "lane": .text("south-2"), "direction": .text("in"), "plate_raw": .text(plates.plate()),
                        "decision": .text("deny"), "reason": .text("no reservation"), "confidence": .int(950),
                        "at": .int(now),
                    ])
            }
            let committed = try await node.commit(writes, decision: "bench.fill")
            if size == 0, let first = committed.first { size = try JSONEncoder().encode(first).count }
        }
        return size
    }

    /// `publishers` clients each publishing `messages` QoS 1 messages of
    /// `size` bytes to one subscriber: seconds until it has them all.
    ///
    /// Each publisher keeps at most `window` messages ahead of what the
    /// subscriber has received, as a gate keeps its upstream window: sent all
    /// at once, 16 publishers overflow the subscriber's broker queue and the
    /// broker drops the excess silently. It dropped some even so (Mosquitto
    /// 2.0.11, 4 publishers, 2,000 in flight under a 5,000 queue): a
    /// subscriber that hears nothing for five seconds ends the run, and the
    /// figure is what arrived by the last message.
    public static func rawQoS1(publishers: Int, messages: Int, size: Int, port: Int) async throws -> (
        seconds: Double, received: Int
    ) {
        let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let options = MosquittoClient.Options(port: port)
        let topic = "bench/raw/\(UUID().uuidString.prefix(8))"
        let subscriber = try MosquittoClient(
            session: Session(clientID: "raw-sub-\(UUID().uuidString.prefix(8))", subscriptions: ["\(topic)/#"]),
            options: options, logger: quiet)
        subscriber.start()
        var events = subscriber.events.makeAsyncIterator()
        while let event = await events.next() { if case .connected = event { break } }
        let payload = [UInt8](repeating: 0x78, count: max(size, 1))
        let senders = try (0..<publishers).map { index in
            try MosquittoClient(
                session: Session(clientID: "raw-pub-\(index)-\(UUID().uuidString.prefix(8))", subscriptions: []),
                options: options, logger: quiet)
        }
        for sender in senders {
            sender.start()
            var connected = sender.events.makeAsyncIterator()
            while let event = await connected.next() { if case .connected = event { break } }
        }
        // Shared, well inside the broker's queue; never more than a gate's window.
        let window = max(8, min(2000, 2000 / publishers))
        let chunk = max(1, min(100, window / 4))
        let received = ReceivedCounts(publishers: publishers)
        let started = ContinuousClock.now
        let elapsed = try await withThrowingTaskGroup(of: Void.self) { tasks in
            for (index, sender) in senders.enumerated() {
                tasks.addTask {
                    let message = TransportMessage(topic: "\(topic)/\(index)", payload: payload)
                    var sent = 0
                    while sent < messages {
                        while await sent - received.count(of: index) > window - chunk {
                            if await received.stalled { return }
                            try await Task.sleep(for: .microseconds(200))
                        }
                        let count = min(chunk, messages - sent)
                        try await sender.publish(Array(repeating: message, count: count))
                        sent += count
                    }
                }
            }
            tasks.addTask {
                var total = 0
                var lastHeard = ContinuousClock.now
                while total < publishers * messages {
                    try await Task.sleep(for: .milliseconds(100))
                    let now = await received.total
                    if now > total {
                        total = now
                        lastHeard = ContinuousClock.now
                    } else if ContinuousClock.now - lastHeard > .seconds(5) {
                        await received.stall()
                        await subscriber.stop()  // ends the event stream the run reads
                        return
                    }
                }
            }
            var total = 0
            while total < publishers * messages, let event = await events.next() {
                guard case .message(let incoming) = event,
                    let index = incoming.topic.split(separator: "/").last.flatMap({ Int($0) })
                else { continue }
                await received.add(to: index)
                total += 1
            }
            try await tasks.waitForAll()
            return await received.lastAt - started
        }
        for sender in senders { await sender.stop() }
        await subscriber.stop()
        let seconds = elapsed.asSeconds
        return (seconds, await received.total)
    }
}

/// Messages the raw subscriber received, per publisher: the publishers' windows.
private actor ReceivedCounts {
    private var counts: [Int]
    private(set) var total = 0
    private(set) var lastAt = ContinuousClock.now
    /// Nothing arrived for a while: the broker dropped what the windows wait for.
    private(set) var stalled = false

    init(publishers: Int) { counts = Array(repeating: 0, count: publishers) }

    func add(to publisher: Int) {
        guard counts.indices.contains(publisher) else { return }
        counts[publisher] += 1
        total += 1
        lastAt = ContinuousClock.now
    }

    func stall() { stalled = true }

    func count(of publisher: Int) -> Int { counts[publisher] }
}

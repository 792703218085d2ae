import ArgumentParser
import BenchmarkSupport
import BrokerHarness
import Foundation
import Logging
import MallDomain
import MosquittoTransport
import ServiceLifecycle
import Services
import SyncCore
import Transport

/// Changes into the hub through a real Mosquitto broker: `--nodes` gates,
/// each of its own mall (so that the figure is the hub's intake, not the
/// gates' reading of one another's passages), each following its channels
/// and with a backlog of `--changes` changes decided while the broker was
/// away, connect at once; the figure is the time until the hub has taken
/// and durably acknowledged every one (each gate's outbox empty). The hub,
/// the gates, their SQLite files and MQTT sessions are the production ones
/// (`Wiring`), in one process. Beside it, the baseline through the same
/// broker in the same run: as many publishers sending as many QoS 1
/// messages of a change's size to one subscriber.
struct IngestBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Changes into the hub from several gates, beside raw QoS 1 messages through the same broker.")

    @Option(help: "Gates sending at once, comma-separated runs (such as 1,4,16).")
    var nodes = "1,4,16"

    @Option(help: "Changes waiting at each gate.")
    var changes = 5000

    @Option(help: "Directory for the stores (a fresh temporary one if omitted).")
    var directory: String?

    func run() async throws {
        let runs = nodes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !runs.isEmpty, runs.allSatisfy({ (1...64).contains($0) }) else {
            throw ValidationError("--nodes takes counts of 1...64")
        }
        guard (1...1_000_000).contains(changes) else { throw ValidationError("--changes must be 1...1,000,000") }
        let base =
            directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("mall-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: base) } }
        let broker = try MosquittoBroker(settings: Self.productionQueues)
        defer { broker.stop() }
        report("changes into the hub: \(changes) changes waiting at each gate, broker on port \(broker.port)")
        report(
            ["gates", "changes", "MallEdge", "changes/s", "sent twice", "raw QoS 1", "messages/s", "ratio"].map {
                $0.leftPadded(to: 12)
            }.joined())
        for count in runs {
            let edge = try await ingest(gates: count, base: "\(base)/run-\(count)", port: broker.port)
            let raw = try await rawQoS1(
                publishers: count, messages: changes, size: edge.bytesPerChange, port: broker.port)
            let total = count * changes
            let rate = Double(total) / edge.seconds
            let rawRate = Double(raw.received) / raw.seconds
            report(
                [
                    "\(count)", "\(total)", String(format: "%.2f s", edge.seconds), String(format: "%.0f", rate),
                    "\(edge.duplicates)", String(format: "%.2f s", raw.seconds), String(format: "%.0f", rawRate),
                    String(format: "%.2f×", rate / rawRate),
                ].map { $0.leftPadded(to: 12) }.joined())
            if raw.received < total {
                report(
                    "  raw QoS 1: the broker dropped \(total - raw.received) of \(total) messages "
                        + "(\"Outgoing messages are being dropped\"); its rate counts those that arrived")
            }
        }
        report(
            "(MallEdge: changes acknowledged durably by the hub, in batches of the gates' upstream window; "
                + "raw: one QoS 1 message per change, of a change's size, to one subscriber)")
    }

    /// The queue limits of `deploy/mosquitto/mall.conf`: past
    /// `max_queued_messages` the broker drops QoS 1 messages silently.
    static let productionQueues = [
        "max_queued_messages 5000", "max_inflight_messages 500", "set_tcp_nodelay true",
    ]

    struct Outcome {
        var seconds: Double
        var bytesPerChange: Int
        /// Changes the hub took again (a gate's ack timed out and it resent).
        var duplicates: Int
    }

    /// A hub and `gates` gates, each holding `changes` changes in its outbox,
    /// started together: the seconds until every outbox is empty.
    ///
    /// Each gate first takes its channels' snapshots and follows them, as a
    /// gate in service does, and stops; its backlog is decided while it is
    /// away. A gate that never synced would also be bootstrapping while it
    /// sends, which is another figure (`measure-bootstrap.sh`).
    func ingest(gates: Int, base: String, port: Int) async throws -> Outcome {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let ids = (1...gates).map { NodeID("gate-\($0)") }
        try await followChannels(ids, base: base, port: port)
        let (hub, hubSync, nodes) = try fleet(ids, base: base, port: port)
        var bytes = 0
        for (coordinator, _) in nodes { bytes = try await fillOutbox(of: coordinator, count: changes) }
        let started = ContinuousClock.now
        let seconds = try await running(hubSync, nodes) {
            while true {
                var waiting = 0
                for (coordinator, _) in nodes { waiting += await coordinator.syncState().outboxDepth }
                if waiting == 0 { return }
                try await Task.sleep(for: .milliseconds(5))
            }
        } then: {
            let elapsed = ContinuousClock.now - started
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        let fleet = await hub.coordinator.fleet()
        let accepted = fleet.accepted
        guard accepted == gates * changes else {
            throw ValidationError("the hub accepted \(accepted) changes of \(gates * changes)")
        }
        return Outcome(seconds: seconds, bytesPerChange: bytes, duplicates: fleet.duplicates)
    }

    /// Runs the hub and the gates until every gate follows each of its
    /// channels, then stops them all (their stores closed with them).
    func followChannels(_ ids: [NodeID], base: String, port: Int) async throws {
        let (_, hubSync, nodes) = try fleet(ids, base: base, port: port)
        let deadline = ContinuousClock.now + .seconds(60)
        try await running(hubSync, nodes) {
            for (coordinator, _) in nodes {
                while !(await coordinator.followsEveryChannel) {
                    guard ContinuousClock.now < deadline else {
                        throw ValidationError("\(coordinator.node) did not take its snapshots within 60 s")
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
    func fleet(_ ids: [NodeID], base: String, port: Int) throws -> (
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
    func running<T>(
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
    func fillOutbox(of node: NodeCoordinator, count: Int) async throws -> Int {
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
    func rawQoS1(publishers: Int, messages: Int, size: Int, port: Int) async throws -> (
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
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
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

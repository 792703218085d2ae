import Benchmark
import BenchmarkSupport
import BrokerHarness
import Foundation
import Logging
import MosquittoTransport
import ServiceLifecycle
import Services
import SyncCore
import Transport

/// A decision at gate A visible in gate B's replica: A's outbox to the
/// broker, the hub's merge and commit, the broker again, B's merge and
/// commit. Beside it, the same two hops of raw libmosquitto QoS 1 through the
/// same broker: a publisher, a relay that republishes what it receives (the
/// hub's place), a subscriber. Only the propagation is measured: A's decision
/// and durable commit are before the measurement starts.
func registerPropagationBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(5),
        maxIterations: 1000)

    let fleet = Held<Fleet>()
    Benchmark("propagation · MallEdge: gate A → broker → hub → broker → gate B's replica", configuration: configuration)
    {
        benchmark in
        guard let fleet = fleet.value else { return benchmark.error("no fleet") }
        let passage = try await fleet.gateA.decideGate(fleet.workload.read())
        benchmark.startMeasurement()
        while try await fleet.gateB.row(table: "gate_passages", key: passage.key) == nil {
            try await Task.sleep(for: .microseconds(50))
        }
        benchmark.stopMeasurement()
    } setup: {
        fleet.value = try await Fleet()
    } teardown: {
        await fleet.value?.stop()
        fleet.value = nil
    }

    let relay = Held<RawRelay>()
    Benchmark(
        "propagation · baseline: raw MQTT QoS 1, two hops (publisher → relay → subscriber)",
        configuration: configuration
    ) {
        benchmark in
        guard let relay = relay.value else { return benchmark.error("no relay") }
        try await relay.roundTrip()
    } setup: {
        relay.value = try await RawRelay()
    } teardown: {
        await relay.value?.stop()
        relay.value = nil
    }
}

let quiet = Logger(label: "benchmark") { _ in SwiftLogNoOpLogHandler() }

/// A real broker, the production hub and two gates of one mall (`Wiring`),
/// in this process, running until `stop`; both gates follow their channels
/// (their snapshots taken) before the first measurement.
final class Fleet {
    let workload: GateFixture
    let gateA: NodeCoordinator
    let gateB: NodeCoordinator
    private let broker: MosquittoBroker
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    init() async throws {
        let workload = try GateFixture()
        self.workload = workload
        broker = try MosquittoBroker(settings: IngestRun.productionQueues)
        let options = MosquittoClient.Options(port: broker.port)
        let mall = GateWorkload.mall
        let ids = [NodeID("gate-a"), NodeID("gate-b")]
        let (_, hubSync) = try Wiring.hub(
            configuration: .init(
                schema: .mall, fleet: Dictionary(uniqueKeysWithValues: ids.map { ($0, .init(mall: mall, role: .gate)) })
            ),
            storePath: "\(workload.directory)/hub.sqlite", clock: WallClock(), policies: HubPolicies(), metrics: nil,
            clientID: "hub-bench", logger: quiet
        ) { try MosquittoClient(session: $0, options: options, logger: quiet) }
        let nodes = try ids.map { id in
            try Wiring.node(
                configuration: .init(schema: .mall, node: id, mall: mall, role: .gate),
                replicaPath: "\(workload.directory)/\(id).sqlite", clock: WallClock(), policies: EdgePolicies(),
                clientID: "\(id)-bench", logger: quiet
            ) { try MosquittoClient(session: $0, options: options, logger: quiet) }
        }
        gateA = nodes[0].0
        gateB = nodes[1].0
        let group = ServiceGroup(
            configuration: .init(services: [hubSync] + nodes.map(\.1), gracefulShutdownSignals: [], logger: quiet))
        self.group = group
        running = Task { try await group.run() }
        let deadline = ContinuousClock.now + .seconds(60)
        for gate in [gateA, gateB] {
            while !(await gate.followsEveryChannel) {
                guard ContinuousClock.now < deadline else { throw BenchmarkFailure("the gates did not sync in 60 s") }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await running.result
        broker.stop()
    }
}

/// Raw libmosquitto clients through a real broker: `roundTrip` publishes a
/// change-sized QoS 1 message, a relay client republishes it (QoS 1) to the
/// subscriber's topic, and it returns when the subscriber has it.
final class RawRelay {
    private let broker: MosquittoBroker
    private let publisher: MosquittoClient
    private let relay: MosquittoClient
    private let subscriber: MosquittoClient
    private let relaying: Task<Void, Never>
    private var received: AsyncStream<TransportEvent>.AsyncIterator
    private let message = TransportMessage(topic: "bench/in", payload: Array(repeating: 0x78, count: 600))

    init() async throws {
        broker = try MosquittoBroker(settings: IngestRun.productionQueues)
        let options = MosquittoClient.Options(port: broker.port)
        publisher = try MosquittoClient(
            session: Session(clientID: "raw-publisher", subscriptions: []), options: options, logger: quiet)
        relay = try MosquittoClient(
            session: Session(clientID: "raw-relay", subscriptions: ["bench/in"]), options: options, logger: quiet)
        subscriber = try MosquittoClient(
            session: Session(clientID: "raw-subscriber", subscriptions: ["bench/out"]), options: options, logger: quiet)
        for client in [publisher, relay, subscriber] {
            client.start()
            var events = client.events.makeAsyncIterator()
            while let event = await events.next() { if case .connected = event { break } }
        }
        received = subscriber.events.makeAsyncIterator()
        relaying = Task { [relay] in
            for await event in relay.events {
                guard case .message(let incoming) = event else { continue }
                try? await relay.publish([TransportMessage(topic: "bench/out", payload: incoming.payload)])
            }
        }
    }

    func roundTrip() async throws {
        try await publisher.publish([message])
        while let event = await received.next() { if case .message = event { return } }
        throw BenchmarkFailure("the subscriber's connection ended")
    }

    func stop() async {
        for client in [publisher, relay, subscriber] { await client.stop() }
        relaying.cancel()
        broker.stop()
    }
}

import Benchmark
import BenchmarkSupport
import GRDB
import Services

/// Decisions per second with several lanes deciding at once (they share a
/// sync of the WAL: group commit), beside raw one-row FULL commits one after
/// another. An iteration is a round of `perRound` decisions; the figure is
/// the custom metric `decisions/s`.
func registerLaneBenchmarks() {
    let lanes = 4
    let perRound = 64
    let perSecond = BenchmarkMetric.custom("decisions/s", polarity: .prefersLarger)
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, perSecond], maxIterations: 500)

    let gate = Held<(GateFixture, NodeCoordinator)>()
    Benchmark("4 lanes at once · MallEdge: decide + durable commit, rounds of 64", configuration: configuration) {
        benchmark in
        guard let (fixture, node) = gate.value else { return benchmark.error("no fixture") }
        for _ in benchmark.scaledIterations {
            let reads = (0..<perRound).map { _ in fixture.read() }
            let started = ContinuousClock.now
            try await withThrowingTaskGroup { group in
                for lane in 0..<lanes {
                    let mine = stride(from: lane, to: perRound, by: lanes).map { reads[$0] }
                    group.addTask { for read in mine { _ = try await node.decideGate(read) } }
                }
                try await group.waitForAll()
            }
            benchmark.measurement(perSecond, rate(perRound, in: ContinuousClock.now - started))
        }
    } setup: {
        try gate.makeGate()
    } teardown: {
        gate.value = nil
    }

    let raw = Held<(GateFixture, DatabaseQueue)>()
    var key = 0
    Benchmark(
        "4 lanes at once · baseline: raw SQLite FULL commits one after another, rounds of 64",
        configuration: configuration
    ) {
        benchmark in
        guard let (_, queue) = raw.value else { return benchmark.error("no fixture") }
        for _ in benchmark.scaledIterations {
            let started = ContinuousClock.now
            for _ in 0..<perRound {
                key += 1
                try RawSQLite.commitOneRow(queue, key: "k\(key)")
            }
            benchmark.measurement(perSecond, rate(perRound, in: ContinuousClock.now - started))
        }
    } setup: {
        try raw.makeRawTable()
    } teardown: {
        raw.value = nil
    }
}

/// `count` per `duration`, per second.
func rate(_ count: Int, in duration: Duration) -> Int {
    Int((Double(count) / max(duration.asSeconds, 1e-9)).rounded())
}

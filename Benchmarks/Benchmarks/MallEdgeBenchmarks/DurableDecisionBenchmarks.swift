import Benchmark
import BenchmarkSupport
import GRDB
import Services

/// A camera read decided and committed durably (passage and reservation
/// status under one sync of the WAL; the passage is the read's audit
/// entry) before it is answered, beside the
/// floor of any durable decision: one row committed with `synchronous=FULL`
/// to a file set up as the replica is.
func registerDurableDecisionBenchmarks() {
    let gate = Held<(GateFixture, NodeCoordinator)>()
    Benchmark("decide + durable commit · MallEdge: passage, status, WAL synced") { benchmark in
        guard let (fixture, node) = gate.value else { return benchmark.error("no fixture") }
        for _ in benchmark.scaledIterations {
            blackHole(try await node.decideGate(fixture.read()))
        }
    } setup: {
        try gate.makeGate()
    } teardown: {
        gate.value = nil
    }

    let raw = Held<(GateFixture, DatabaseQueue)>()
    var key = 0
    Benchmark("decide + durable commit · baseline: raw SQLite one-row insert, synchronous=FULL") { benchmark in
        guard let (_, queue) = raw.value else { return benchmark.error("no fixture") }
        for _ in benchmark.scaledIterations {
            key += 1
            try RawSQLite.commitOneRow(queue, key: "k\(key)")
        }
    } setup: {
        try raw.makeRawTable()
    } teardown: {
        raw.value = nil
    }
}

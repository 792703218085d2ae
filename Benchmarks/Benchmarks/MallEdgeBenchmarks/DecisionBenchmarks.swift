import Benchmark
import BenchmarkSupport
import Foundation
import GRDB
import MallDomain
import Services

/// The decision alone, in memory, beside the floor of a lookup: a hashed set
/// of the plates, and a primary-key query of a SQLite file of as many rows.
func registerDecisionBenchmarks() {
    let nanoseconds = Benchmark.Configuration(timeUnits: .nanoseconds)
    let withMemory = Benchmark.Configuration(
        metrics: Benchmark.defaultConfiguration.metrics + [.peakMemoryResident], timeUnits: .nanoseconds)
    let fixture = Held<(GateFixture, ReservationBook)>()
    Benchmark(
        "decide · MallEdge: normalise, match, rules (100,000 reservations, in memory)", configuration: withMemory
    ) { benchmark in
        guard let (gate, book) = fixture.value else { return benchmark.error("no fixture") }
        let decider = GateDecider()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for _ in benchmark.scaledIterations {
            let read = gate.read()
            blackHole(decider.decide(read.plate, read.direction, now: now, book: book))
        }
    } setup: {
        let gate = try GateFixture()
        fixture.value = (gate, gate.book())
    } teardown: {
        fixture.value = nil
    }

    let plates = Held<(Set<String>, [String])>()
    Benchmark(
        "decide · baseline: Set<String>.contains of a plate (100,000 plates)",
        configuration: .init(timeUnits: .nanoseconds, scalingFactor: .kilo)
    ) { benchmark in
        guard let (set, probes) = plates.value else { return benchmark.error("no fixture") }
        var hits = 0
        for index in benchmark.scaledIterations where set.contains(probes[index % probes.count]) { hits += 1 }
        blackHole(hits)
    } setup: {
        let gate = try GateFixture()
        plates.value = (Set(gate.reserved), gate.reserved.shuffled())
    } teardown: {
        plates.value = nil
    }

    let table = Held<(GateFixture, DatabaseQueue)>()
    Benchmark("decide · baseline: raw SQLite point query by primary key (100,000 rows)", configuration: nanoseconds) {
        benchmark in
        guard let (gate, raw) = table.value else { return benchmark.error("no fixture") }
        for _ in benchmark.scaledIterations {
            blackHole(try RawSQLite.pointQuery(raw, key: "p\(Int.random(in: 0..<gate.reserved.count))"))
        }
    } setup: {
        let gate = try GateFixture()
        table.value = (
            gate, try RawSQLite.keyedTable(path: "\(gate.directory)/raw.sqlite", prefill: gate.reserved.count)
        )
    } teardown: {
        table.value = nil
    }
}

import Benchmark
import BenchmarkSupport

/// A gate back after 100,000 changes beside a raw bulk insert of as many
/// rows, three iterations each (every iteration sets its stores up anew,
/// outside the measurement); the rate is the custom metric `changes/s`.
///
/// Changes into the hub (`IngestRun`) are not here but in `mall-bench
/// ingest`: in this harness the same run measured 8,800–12,000 changes/s
/// from one gate where `mall-bench` measured 14,700 in the same half hour
/// (9,400 rose to 12,000 without the harness's memory sampler; the rest of
/// the gap is not pinned down), so its figure here would mislead.
func registerCatchUpBenchmarks() {
    let changesPerSecond = BenchmarkMetric.custom("changes/s", polarity: .prefersLarger)
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, changesPerSecond], warmupIterations: 0,
        maxDuration: .seconds(60), maxIterations: 3)
    let catchUp = 100_000

    Benchmark(
        "catch-up · MallEdge: a gate back after 100,000 changes (engines, codec, SQLite, protocol delays; no broker)",
        configuration: configuration
    ) { benchmark in
        let scratch = try ScratchDirectory()
        let run = try CatchUpRun(changes: catchUp, base: scratch.path)
        benchmark.startMeasurement()
        let (duration, _, _) = try run.catchUp()
        benchmark.stopMeasurement()
        benchmark.measurement(changesPerSecond, rate(catchUp, in: duration))
    }

    Benchmark(
        "catch-up · baseline: raw SQLite insert of 100,000 state-sized rows, 500 a transaction",
        configuration: configuration
    ) { benchmark in
        let scratch = try ScratchDirectory()
        benchmark.startMeasurement()
        let duration = try RawSQLite.insertStateSizedRows(count: catchUp, path: "\(scratch.path)/raw.sqlite")
        benchmark.stopMeasurement()
        benchmark.measurement(changesPerSecond, rate(catchUp, in: duration))
    }
}

import Benchmark

/// The suite's entry: package-benchmark's plugin finds `benchmarks` and runs
/// each benchmark in a process of its own. Names pair a MallEdge figure
/// (`… · MallEdge`) with its baseline in the same run (`… · baseline`), so
/// the table reads as a ratio; `BENCHMARKS.md` records a run. CPU time is
/// left out: Linux counts it in 10 ms ticks, coarser than most iterations.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        warmupIterations: 10,
        maxDuration: .seconds(3),
        maxIterations: 5000
    )
    registerDecisionBenchmarks()
    registerDurableDecisionBenchmarks()
    registerLaneBenchmarks()
    registerHTTPBenchmarks()
    registerPropagationBenchmarks()
}

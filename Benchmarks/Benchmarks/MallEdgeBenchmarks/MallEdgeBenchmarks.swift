import Benchmark

/// The suite's entry: package-benchmark's plugin finds `benchmarks` and runs
/// each benchmark in a process of its own. Names pair a MallEdge figure
/// (`… · MallEdge`) with its baseline in the same run (`… · baseline`), so
/// the table reads as a ratio; `BENCHMARKS.md` records a run. CPU time is
/// left out: Linux counts it in 10 ms ticks, coarser than most iterations.
/// Peak memory only where it is the figure (the gate's book loaded): its
/// sampler reads `/proc` every 10 ms, which on this 2-core machine slowed
/// the multi-threaded benchmarks measurably (ingest from one gate: 12,000
/// changes/s without it, 9,400 with it).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
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
    registerCatchUpBenchmarks()
}

import ArgumentParser

/// Performance figures, each printed beside a baseline measured in the same
/// run on the same machine, so a number means something on its own.
@main
struct MallBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mall-bench",
        abstract: "Measure MallEdge against raw SQLite and raw lookups, in one run.",
        subcommands: [
            GateBenchmark.self, GrowthBenchmark.self, SeedHubBenchmark.self, CatchUpBenchmark.self,
            IngestBenchmark.self,
        ])
}

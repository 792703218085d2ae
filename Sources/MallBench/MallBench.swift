import ArgumentParser
import Foundation

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

/// Prints a line of a benchmark's output at once: piped to a log or `tee`,
/// stdout is block-buffered, and a run of several minutes showed nothing
/// until it ended (or nothing at all when it was stopped).
func report(_ line: String = "") {
    print(line)
    fflush(nil)
}

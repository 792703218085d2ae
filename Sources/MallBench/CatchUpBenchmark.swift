import ArgumentParser
import BenchmarkSupport
import Foundation

/// How fast a gate that was offline while the hub logged many changes
/// catches up: the hub's engine and store and the node's, on real SQLite
/// files, with every message through the wire codec as it would travel, but
/// handed over in process (no broker, so the figure is the engines', the
/// codec's, SQLite's and the protocol's waits, on the machine's clock).
/// Beside it, the baseline: the same number of rows inserted raw into a
/// plain SQLite table, in transactions of 500.
struct CatchUpBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catch-up",
        abstract: "Catch-up of a node offline for many changes, beside a raw SQLite insert of as many rows.")

    @Option(help: "Changes the hub logs while the node is away.")
    var changes = 100_000

    @Option(help: "Directory for the stores (a fresh temporary one if omitted).")
    var directory: String?

    func run() throws {
        guard (1...10_000_000).contains(changes) else { throw ValidationError("--changes must be 1...10,000,000") }
        let base =
            directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("mall-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: base) } }

        report("catch-up: \(changes) changes logged by the hub while a gate was away, directory \(base)")
        let run = try CatchUpRun(changes: changes, base: base)
        report("  hub logged them in batches of 1,000: \(Samples.format(run.logged))")
        let (caughtUp, waited, messages) = try run.catchUp()
        report(
            String(
                format: "  node caught up: %@ (%.0f changes/s), %d messages; %@ of it before the first resend "
                    + "(%.0f changes/s after it)", Samples.format(caughtUp),
                Double(changes) / caughtUp.asSeconds, messages, Samples.format(waited),
                Double(changes) / (caughtUp - waited).asSeconds))
        let raw = try RawSQLite.insertStateSizedRows(count: changes, path: "\(base)/baseline.sqlite")
        report(
            String(
                format: "  baseline: raw SQLite insert of %d rows, 500 per transaction: %@ (%.0f rows/s)", changes,
                Samples.format(raw), Double(changes) / raw.asSeconds))
    }
}

import ArgumentParser
import BenchmarkSupport
import BrokerHarness
import Foundation

/// Changes into the hub through a real Mosquitto broker (`IngestRun`): for
/// each count of `--nodes`, that many gates with `--changes` changes waiting
/// at each connect at once; the figure is the time until the hub has taken
/// and durably acknowledged every one. Beside it, the baseline through the
/// same broker in the same run: as many publishers sending as many QoS 1
/// messages of a change's size to one subscriber.
struct IngestBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Changes into the hub from several gates, beside raw QoS 1 messages through the same broker.")

    @Option(help: "Gates sending at once, comma-separated runs (such as 1,4,16).")
    var nodes = "1,4,16"

    @Option(help: "Changes waiting at each gate.")
    var changes = 5000

    @Option(help: "Directory for the stores (a fresh temporary one if omitted).")
    var directory: String?

    func run() async throws {
        let runs = nodes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !runs.isEmpty, runs.allSatisfy({ (1...64).contains($0) }) else {
            throw ValidationError("--nodes takes counts of 1...64")
        }
        guard (1...1_000_000).contains(changes) else { throw ValidationError("--changes must be 1...1,000,000") }
        let base =
            directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("mall-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: base) } }
        let broker = try MosquittoBroker(settings: IngestRun.productionQueues)
        defer { broker.stop() }
        report("changes into the hub: \(changes) changes waiting at each gate, broker on port \(broker.port)")
        report(
            ["gates", "changes", "MallEdge", "changes/s", "sent twice", "raw QoS 1", "messages/s", "ratio"].map {
                $0.leftPadded(to: 12)
            }.joined())
        var bytesPerChange = 0
        for count in runs {
            let run = try await IngestRun(
                gates: count, changes: changes, base: "\(base)/run-\(count)", port: broker.port)
            let edge = try await run.drain()
            bytesPerChange = run.bytesPerChange
            let raw = try await IngestRun.rawQoS1(
                publishers: count, messages: changes, size: run.bytesPerChange, port: broker.port)
            let total = count * changes
            let rate = Double(total) / edge.seconds
            let rawRate = Double(raw.received) / raw.seconds
            report(
                [
                    "\(count)", "\(total)", String(format: "%.2f s", edge.seconds), String(format: "%.0f", rate),
                    "\(edge.duplicates)", String(format: "%.2f s", raw.seconds), String(format: "%.0f", rawRate),
                    String(format: "%.2f×", rate / rawRate),
                ].map { $0.leftPadded(to: 12) }.joined())
            if raw.received < total {
                report(
                    "  raw QoS 1: the broker dropped \(total - raw.received) of \(total) messages "
                        + "(\"Outgoing messages are being dropped\"); its rate counts those that arrived")
            }
        }
        report(
            "(MallEdge: changes acknowledged durably by the hub, in batches of the gates' upstream window; "
                + "raw: one QoS 1 message per change, of a change's size (\(bytesPerChange) bytes), to one subscriber)")
    }
}

import ArgumentParser
import BenchmarkSupport
import Foundation
import MallDomain
import Services
import Storage
import SyncCore

/// Decision latency at a gate node holding many reservations: the decision
/// alone (in memory) and the whole request path to a durable commit, beside
/// a raw SQLite commit of one row and a raw set lookup on the same machine.
/// With `--history`, the same reads are decided again as the replica's
/// passage history grows (other gates' passages, as the hub's stream brings
/// them), each round beside a raw commit into a file of that size. With
/// `--backlog`, decisions go on while the hub acknowledges a backlog. With
/// `--lanes`, several lanes decide at once. With `--spacing`, each read
/// comes after a pause, as at a gate, and so does each baseline commit.
struct GateBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate", abstract: "Gate decision latency with a large reservation book.")

    @Option(help: "Active reservations in the node's replica.")
    var reservations = 100_000

    @Option(help: "Camera reads to decide (each is committed durably).")
    var reads = 3000

    @Option(help: "Seed for plates and the read mix.")
    var seed: UInt64 = 1

    @Option(help: "Directory for the replica and the baseline database (a fresh temporary one if omitted).")
    var directory: String?

    @Option(
        help: "Passage history sizes to decide at again, comma-separated (such as 100000,1000000); empty for none.")
    var history = ""

    @Option(help: "Reads decided with the hub away, then acknowledged while deciding (0 for none).")
    var backlog = 0

    @Option(help: "Lanes deciding at once, for decisions per second across lanes (1: none).")
    var lanes = 4

    /// Back to back, each decision waits for the actor and the disk that
    /// the one before still holds, and the figures are those of a lane
    /// saturated with reads; a gate's reads come a car at a time, after a
    /// pause that lets the machine go idle, which slows a lone commit too.
    /// Both the decisions and the raw commits they are measured against
    /// wait the same pause, so each figure keeps its baseline.
    @Option(
        help: """
            Microseconds of pause before each read and each baseline commit (0: back to back); \
            a gate's reads come one car at a time.
            """)
    var spacing: UInt32 = 0

    func run() async throws {
        let base =
            directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "mall-bench-\(UUID().uuidString)"
            ).path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: base) } }
        var plates = SyntheticPlates(seed: seed)
        let reserved = plates.distinctPlates(reservations)

        report("gate decisions: \(reservations) reservations, \(reads) reads, seed \(seed), directory \(base)")
        if spacing > 0 {
            report("  each read and each baseline commit after a pause of \(spacing) µs (`--spacing`)")
        }
        let seedStart = ContinuousClock.now
        try GateWorkload.seedReplica(reserving: reserved, at: "\(base)/node.sqlite")
        report(
            "  replica filled as from the hub (\(reservations / 1000) batches of 1,000): "
                + Samples.format(ContinuousClock.now - seedStart))
        let memoryBefore = Self.residentMebibytes()
        let openStart = ContinuousClock.now
        let node = try GateWorkload.gateNode(path: "\(base)/node.sqlite")
        let opened = ContinuousClock.now - openStart
        let memoryAfter = Self.residentMebibytes()
        report("  node opened, reservation book loaded from the replica: \(Samples.format(opened))")
        report(
            "  resident memory: \(String(format: "%.1f", memoryBefore)) MiB before, "
                + "\(String(format: "%.1f", memoryAfter)) MiB with the book loaded")

        var decide = Samples()
        var total = Samples()
        var outcomes: [String: Int] = [:]
        for read in makeReads(reserved, &plates) {
            if spacing > 0 { usleep(spacing) }
            let started = ContinuousClock.now
            let passage = try await node.decideGate(read)
            total.add(ContinuousClock.now - started)
            decide.add(passage.decidedIn)
            outcomes["\(passage.decision.verdict.rawValue): \(passage.decision.reason.rawValue)", default: 0] += 1
        }
        let rawCommit = try Self.rawSQLiteCommits(path: "\(base)/baseline.sqlite", count: reads, spacing: spacing)
        let rawLookup = Self.rawLookups(Set(reserved), reads: reserved.shuffled().prefix(reads))

        report()
        report(Samples.header)
        report(decide.row("decide: normalise, match, rules (in memory)"))
        report(rawLookup.row("  baseline: Set<String>.contains of a plate"))
        report(total.row("decide + durable commit (passage, status)"))
        report(rawCommit.row("  baseline: raw SQLite, one-row insert, synchronous=FULL"))
        report()
        report(
            "outcomes: " + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        try await decideAcrossLanes(node, reserved: reserved, base: base)
        try await decideAsHistoryGrows(node, reserved: reserved, base: base, after: UInt64(reservations))
        try await decideWhileBacklogDrains(node, reserved: reserved, base: base)
    }

    /// Tops the replica's passage history up to each size of `--history`
    /// and decides `reads` reads again at each.
    func decideAsHistoryGrows(_ node: NodeCoordinator, reserved: [String], base: String, after seq: UInt64)
        async throws
    {
        let sizes = history.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty else { return }
        report()
        report("as the passage history grows (other gates' passages arriving through the hub's stream):")
        report(
            ["passages", "file", "fill", "decide p50", "total p50", "total p99", "raw commit p50"].map {
                $0.leftPadded(to: 16)
            }.joined())
        let stream = try SQLiteReplica(path: "\(base)/node.sqlite", schema: .mall)
        var held = 0
        var lastSeq = seq
        var plates = SyntheticPlates(seed: seed &+ 1)
        for size in sizes where size >= held {
            let started = ContinuousClock.now
            lastSeq = try Self.streamPassages(size - held, into: stream, after: lastSeq, plates: &plates)
            let filled = ContinuousClock.now - started
            held = size
            var decide = Samples()
            var total = Samples()
            for read in makeReads(reserved, &plates) {
                if spacing > 0 { usleep(spacing) }
                let started = ContinuousClock.now
                let passage = try await node.decideGate(read)
                total.add(ContinuousClock.now - started)
                decide.add(passage.decidedIn)
            }
            let raw = try Self.rawSQLiteCommits(
                path: "\(base)/baseline-\(size).sqlite", count: reads, prefill: size, spacing: spacing)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: "\(base)/node.sqlite")[.size] as? Int) ?? 0
            report(
                [
                    "\(size)", String(format: "%.0f MiB", Double(bytes) / 1_048_576), Samples.format(filled),
                    Samples.format(decide.percentile(0.5)), Samples.format(total.percentile(0.5)),
                    Samples.format(total.percentile(0.99)), Samples.format(raw.percentile(0.5)),
                ].map { $0.leftPadded(to: 16) }.joined())
        }
    }

    /// `count` passages of another gate, with the evidence a real one
    /// carries, applied as the hub's stream applies them (5,000 a batch).
    /// - Returns: the last stream seq used.
    static func streamPassages(
        _ count: Int, into replica: SQLiteReplica, after seq: UInt64, plates: inout SyntheticPlates
    ) throws -> UInt64 {
        let channel = Channel(mall: "mall-bench", kind: .parking)
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        var last = seq
        for chunk in stride(from: 0, to: count, by: 5000) {
            let entries = (0..<min(5000, count - chunk)).map { _ in
                last += 1
                let plate = plates.plate()
                return LogEntry(
                    seq: last,
                    change: Change(
                        id: ChangeID(origin: "gate-other", epoch: 1, seq: last),
                        hlc: HybridTimestamp(wallMillis: now, counter: UInt32(truncatingIfNeeded: last)),
                        table: "gate_passages", key: "gp-gate-other-1-\(last)", channel: channel, op: .insert,
                        columns: [
                            "lane": .text("south-2"), "direction": .text("in"), "plate_raw": .text(plate),
                            "plate": .text(plate), "decision": .text("deny"), "reason": .text("no reservation"),
                            "confidence": .int(950),
                            "character_confidences": .text("[0.97,0.96,0.95,0.97,0.98,0.96,0.95]"),
                            "at": .int(Int64(now)),
                        ]))
            }
            try replica.applyRemote(
                channel: channel, entries: entries, upTo: last,
                clock: HybridTimestamp(wallMillis: now, counter: UInt32(truncatingIfNeeded: last)))
        }
        return last
    }

    func makeReads(_ reserved: [String], _ plates: inout SyntheticPlates) -> [GateRead] {
        GateWorkload.reads(reads, of: reserved, plates: &plates)
    }

    /// One row of about a passage's size per transaction, WAL and FULL, as
    /// the replica commits, into a table already holding `prefill` rows.
    static func rawSQLiteCommits(path: String, count: Int, prefill: Int = 0, spacing: UInt32 = 0) throws -> Samples {
        let queue = try RawSQLite.keyedTable(path: path, prefill: prefill)
        var samples = Samples()
        for index in 0..<count {
            if spacing > 0 { usleep(spacing) }
            let started = ContinuousClock.now
            try RawSQLite.commitOneRow(queue, key: "k\(index)")
            samples.add(ContinuousClock.now - started)
        }
        return samples
    }

    static func rawLookups(_ set: Set<String>, reads: ArraySlice<String>) -> Samples {
        var samples = Samples()
        var hits = 0
        for plate in reads {
            let started = ContinuousClock.now
            if set.contains(plate) { hits += 1 }
            samples.add(ContinuousClock.now - started)
        }
        precondition(hits == reads.count)
        return samples
    }

    static func residentMebibytes() -> Double {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return .nan }
        return Double(pages * Int(sysconf(Int32(_SC_PAGESIZE)))) / 1_048_576
    }
}

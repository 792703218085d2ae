import ArgumentParser
import BenchmarkSupport
import Foundation
import GRDB
import MallDomain
import Storage
import SyncCore

/// How fast a gate that was offline while the hub logged many changes
/// catches up: the hub's engine and store and the node's, on real SQLite
/// files, with every message through the wire codec as it would travel, but
/// handed over in process (no broker, so the figure is the engines', the
/// codec's and SQLite's). Beside it, the baseline: the same number of rows
/// inserted raw into a plain SQLite table, in transactions of 500.
struct CatchUpBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catch-up",
        abstract: "Catch-up of a node offline for many changes, beside a raw SQLite insert of as many rows.")

    @Option(help: "Changes the hub logs while the node is away.")
    var changes = 100_000

    @Option(help: "Directory for the stores (a fresh temporary one if omitted).")
    var directory: String?

    static let mall = "mall-bench"
    static let node: NodeID = "gate-1"

    func run() throws {
        guard (1...10_000_000).contains(changes) else { throw ValidationError("--changes must be 1...10,000,000") }
        let base =
            directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("mall-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: base) } }

        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: [Self.node: .init(mall: Self.mall, role: .gate)]),
            store: try SQLiteHubStore(path: "\(base)/hub.sqlite", schema: .mall))
        let node = try NodeEngine(
            configuration: .init(schema: .mall, node: Self.node, mall: Self.mall, role: .gate),
            store: try SQLiteReplica(path: "\(base)/node.sqlite", schema: .mall))
        var link = Link(hub: hub, node: node, codec: WireCodec(schema: .mall))
        let parking = Channel(mall: Self.mall, kind: .parking)

        // The node joins while the channel is empty, then goes away.
        try link.deliver(try node.connectionChanged(up: true, now: link.now))
        try link.deliver([hub.status(now: link.now)])
        try link.settle { node.cursor(of: parking) == 0 }
        guard node.cursor(of: parking) == 0 else {
            throw ValidationError("the node did not join: \(node.describeSync(of: parking))")
        }

        report("catch-up: \(changes) changes logged by the hub while a gate was away, directory \(base)")
        var plates = SyntheticPlates(seed: 1)
        let logging = ContinuousClock.now
        for first in stride(from: 0, to: changes, by: 1000) {
            let writes = (first..<min(first + 1000, changes)).map { index in
                LocalWrite.insert(
                    "reservations", "r-\(index)",
                    [
                        "member_id": .text("m-\(index % 50_000)"), "plate": .text(plates.plate()), "zone": .text("B2"),
                        "window_start": .int(Int64(link.now) - 3_600_000),
                        "window_end": .int(Int64(link.now) + 30 * 86_400_000), "status": .text("booked"),
                    ])
            }
            // Its live batches are lost: the node is away.
            _ = try hub.write(writes, mall: Self.mall, now: link.now)
        }
        report("  hub logged them in batches of 1,000: \(Samples.format(ContinuousClock.now - logging))")

        let started = ContinuousClock.now
        try link.deliver([hub.status(now: link.now)])
        try link.settle { node.cursor(of: parking) == hub.heads[parking] }
        let caughtUp = ContinuousClock.now - started
        guard node.cursor(of: parking) == hub.heads[parking] else {
            throw ValidationError("the node did not catch up: \(node.describeSync(of: parking))")
        }
        report(
            String(
                format: "  node caught up: %@ (%.0f changes/s), %d messages", Samples.format(caughtUp),
                Double(changes) / SeedHubBenchmark.seconds(caughtUp), link.delivered))
        let raw = try Self.rawInserts(count: changes, path: "\(base)/baseline.sqlite")
        report(
            String(
                format: "  baseline: raw SQLite insert of %d rows, 500 per transaction: %@ (%.0f rows/s)", changes,
                Samples.format(raw), Double(changes) / SeedHubBenchmark.seconds(raw)))
    }

    /// Rows of the size of a reservation's stored state, 500 per transaction
    /// (WAL, `synchronous = FULL`, as the replica is).
    static func rawInserts(count: Int, path: String) throws -> Duration {
        let queue = try RawSQLite.database(
            path: path, table: "rows (key TEXT PRIMARY KEY, seq INTEGER NOT NULL, state BLOB NOT NULL)")
        let state = Data(repeating: 0x5A, count: 160)
        let started = ContinuousClock.now
        for first in stride(from: 0, to: count, by: 500) {
            try queue.write { db in
                let statement = try db.cachedStatement(sql: "INSERT INTO rows (key, seq, state) VALUES (?, ?, ?)")
                for index in first..<min(first + 500, count) {
                    try statement.execute(arguments: ["r-\(index)", index, state])
                }
            }
        }
        return ContinuousClock.now - started
    }
}

/// Hands messages between one hub and one node until neither has more to
/// say, each encoded and decoded by the wire codec on the way.
private struct Link {
    let hub: HubEngine<SQLiteHubStore>
    let node: NodeEngine<SQLiteReplica>
    let codec: WireCodec
    var now = UInt64(Date().timeIntervalSince1970 * 1000)
    var delivered = 0

    /// Lets the node's timers run (a catch-up starts a moment after the node
    /// learns it is behind) until `done`, for at most a simulated minute.
    mutating func settle(until done: () -> Bool) throws {
        for _ in 0..<600 where !done() {
            now += 100
            try deliver(try node.tick(now: now))
        }
    }

    mutating func deliver(_ outgoing: [Outgoing]) throws {
        var queue = outgoing[...]
        while let next = queue.popFirst() {
            delivered += 1
            now += 1
            let payload = codec.encode(next.message)
            if next.topic.hasSuffix("/up") || next.topic.hasSuffix("/birth") || next.topic.hasSuffix("/death") {
                let result = hub.receive(topic: next.topic, payload: payload, now: now)
                if let problem = result.rejection ?? result.storeFailure.map({ WireError(.invalid, $0) }) {
                    throw ValidationError("the hub refused \(next.message.type): \(problem)")
                }
                queue.append(contentsOf: result.outgoing)
            } else {
                queue.append(contentsOf: try node.receive(try codec.decode(payload), now: now))
            }
        }
    }
}

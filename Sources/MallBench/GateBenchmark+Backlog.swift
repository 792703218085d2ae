import BenchmarkSupport
import Foundation
import GRDB
import MallDomain
import Services
import SyncCore
import Transport

extension GateBenchmark {
    /// The hub away for a while, then back: `--backlog` reads are decided
    /// with no hub (their changes wait in the outbox), then the hub's acks
    /// arrive a batch of 250 changes at a time while the gate keeps
    /// deciding, one read between two acks. Prints the ack handling and
    /// the decision time as the backlog drains, beside a raw SQLite delete
    /// of 250 rows from a table of the same size.
    func decideWhileBacklogDrains(_ node: NodeCoordinator, reserved: [String], base: String) async throws {
        guard backlog > 0 else { return }
        var plates = SyntheticPlates(seed: seed &+ 2)
        var reads: [GateRead] = []
        while reads.count < backlog { reads += makeReads(reserved, &plates) }
        let started = ContinuousClock.now
        for read in reads.prefix(backlog) { _ = try await node.decideGate(read) }
        let filled = ContinuousClock.now - started
        let depth = await node.syncState().outboxDepth
        report()
        report(
            "the hub away for \(backlog) reads (\(depth) changes waiting, filled in \(Samples.format(filled))), then back:"
        )

        let acks = try Self.ackBatches(path: "\(base)/node.sqlite", every: 250)
        let codec = WireCodec(schema: .mall)
        var ackHandling = Samples()
        var total = Samples()
        var quarters: [(depth: Int, ack: Duration, decide: Duration)] = []
        var quarter = (ack: Samples(), decide: Samples())
        var drainReads = makeReads(reserved, &plates)
        for (index, ack) in acks.enumerated() {
            let message = TransportMessage(
                topic: "mall/bench/down", payload: codec.encode(.ack(Ack(node: "bench-gate", acks: [ack]))))
            let handled = ContinuousClock.now
            await node.handle(.message(message))
            let handling = ContinuousClock.now - handled
            if drainReads.isEmpty { drainReads = makeReads(reserved, &plates) }
            let decided = ContinuousClock.now
            _ = try await node.decideGate(drainReads.removeLast())
            let deciding = ContinuousClock.now - decided
            ackHandling.add(handling)
            total.add(deciding)
            quarter.ack.add(handling)
            quarter.decide.add(deciding)
            if (index + 1) % max(acks.count / 4, 1) == 0 || index == acks.count - 1 {
                quarters.append(
                    (await node.syncState().outboxDepth, quarter.ack.percentile(0.5), quarter.decide.percentile(0.5)))
                quarter = (Samples(), Samples())
            }
        }
        let raw = try Self.rawRangeDeletes(path: "\(base)/baseline-backlog.sqlite", rows: depth, batch: 250)
        report(Samples.header)
        report(ackHandling.row("ack of 250 changes: prune, keep aside, oldest left"))
        report(raw.row("  baseline: raw SQLite, delete 250 rows by key range"))
        report(total.row("decide + durable commit, between acks"))
        report("  as it drained (outbox left after each quarter: ack p50, decide + commit p50):")
        for (depth, ack, decide) in quarters {
            report("    \(depth) changes left: \(Samples.format(ack)), \(Samples.format(decide))")
        }
    }

    /// An ack for every `every`-th change of the outbox, as the hub sends
    /// them, with the sequence chain the replica holds there.
    static func ackBatches(path: String, every: Int) throws -> [AckEntry] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT epoch, seq, chain FROM outbox WHERE seq % ? = 0 OR seq = (SELECT max(seq) FROM outbox)"
                    + " ORDER BY epoch, seq", arguments: [every]
            ).map { AckEntry(epoch: UInt64($0["epoch"] as Int64), upTo: UInt64($0["seq"] as Int64), hash: $0["chain"]) }
        }
    }

    /// Deletes of `batch` rows by key range from a table of `rows` rows of
    /// an outbox change's size, WAL and FULL, until it is empty.
    static func rawRangeDeletes(path: String, rows: Int, batch: Int) throws -> Samples {
        let queue = try RawSQLite.database(path: path, table: "t (seq INTEGER PRIMARY KEY, value TEXT NOT NULL)")
        let value = String(repeating: "x", count: 1500)
        try queue.write { db in
            for seq in 1...max(rows, 1) {
                try db.execute(sql: "INSERT INTO t (seq, value) VALUES (?, ?)", arguments: [seq, value])
            }
        }
        var samples = Samples()
        for upTo in stride(from: batch, through: rows + batch - 1, by: batch) {
            let started = ContinuousClock.now
            try queue.write { db in try db.execute(sql: "DELETE FROM t WHERE seq <= ?", arguments: [upTo]) }
            samples.add(ContinuousClock.now - started)
        }
        return samples
    }
}

import ArgumentParser
import BenchmarkSupport
import Foundation
import GRDB
import MallDomain
import Storage
import SyncCore

/// Fills a hub store with reservations on one parking channel, as the hub
/// would have logged them from its own writes (one log entry and one merged
/// row each), for measuring how a new node bootstraps from it, or, with
/// `--append`, how a node that was away catches up
/// (`deploy/scripts/measure-bootstrap.sh`). Beside it, the baseline: the same
/// rows' states inserted raw into a plain SQLite table on the same file
/// system, in one transaction.
struct SeedHubBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-hub",
        abstract: "Fill a hub store with reservations, beside a raw SQLite bulk insert of the same rows.")

    @Option(help: "Reservations to put in the channel.")
    var rows = 100_000

    @Option(help: "The hub's store file (created; must not exist unless --append).")
    var store: String

    @Flag(help: "Log the reservations after those the store's channel holds (the hub must be stopped).")
    var append = false

    @Option(help: "The mall of the parking channel.")
    var mall = "mall-demo"

    @Option(help: "Rows per hub transaction.")
    var batch = 5000

    func run() throws {
        guard FileManager.default.fileExists(atPath: store) == append else {
            throw ValidationError(
                append ? "\(store) does not exist: --append adds to a hub's store" : "\(store) exists; add --append")
        }
        guard (1...10_000_000).contains(rows), (1...100_000).contains(batch) else {
            throw ValidationError("--rows must be 1...10,000,000 and --batch 1...100,000")
        }
        let hub = try SQLiteHubStore(path: store, schema: .mall)
        let start = try hub.start()
        // Each change is checked below, as the hub checks what it logs, so
        // the store's check mark stands for the hub's next run.
        _ = try hub.logCheckedAfter(checkID: SyncSchema.mall.changeCheckID)
        let channel = Channel(mall: mall, kind: .parking)
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let held = Int(try hub.rowCount(in: channel))
        var plates = SyntheticPlates(seed: UInt64(held) &+ 1)
        let started = ContinuousClock.now
        var states: [(key: String, state: [UInt8])] = []
        var reserved: [String] = []
        var seq = start.lastSeq
        for first in stride(from: held, to: held + rows, by: batch) {
            var ingest = HubIngest()
            for index in first..<min(first + batch, held + rows) {
                seq += 1
                let plate = plates.plate()
                reserved.append(plate)
                let change = Change(
                    id: ChangeID(origin: "hub", epoch: start.epoch, seq: seq),
                    hlc: HybridTimestamp(wallMillis: now, counter: UInt32(truncatingIfNeeded: index)),
                    table: "reservations", key: "r-\(index)", channel: channel, op: .insert,
                    columns: [
                        "member_id": .text("m-\(index % 50_000)"), "plate": .text(plate),
                        "zone": .text("B2"),
                        "window_start": .int(Int64(now) - 3_600_000),
                        "window_end": .int(Int64(now) + 30 * 86_400_000), "status": .text("booked"),
                    ])
                if let violation = SyncSchema.mall.violation(of: change) { throw BenchmarkFailure(violation) }
                var state = RowState()
                state.apply(change)
                ingest.entries.append(
                    (LogEntry(seq: seq, change: change), LoggedChange(hash: change.contentHash, chain: "")))
                ingest.rows[change.row] = StoredRow(ref: change.row, channel: channel, seq: seq, state: state)
                ingest.clock = change.hlc
                states.append((change.key, state.bytes))
            }
            try hub.commit(ingest)
        }
        let seeded = ContinuousClock.now - started
        let raw = try Self.rawBulkInsert(states, path: store + ".baseline")
        let stateBytes = try Self.bytesPerRow(path: store + ".baseline", rows: rows)
        try Self.rawPlainInsert(reserved, now: Int64(now), path: store + ".plain")
        let plainBytes = try Self.bytesPerRow(path: store + ".plain", rows: rows)
        for file in [".baseline", ".plain"] { try? FileManager.default.removeItem(atPath: store + file) }
        report("seed-hub: \(rows) reservations on \(channel) in \(store), after \(held); the log's head is \(seq)")
        report(
            String(
                format: "  hub store, %d rows per transaction: %.1f s (%.0f rows/s)", batch, seeded.asSeconds,
                Double(rows) / seeded.asSeconds))
        report(
            String(
                format: "  baseline: raw SQLite insert of the same states, one transaction: %.2f s (%.0f rows/s)",
                raw.asSeconds, Double(rows) / raw.asSeconds))
        report(
            "  baseline bytes per row on disk: \(stateBytes) with the same states keyed (key, state), "
                + "\(plainBytes) as a plain reservations table without sync metadata (id and six columns)")
    }

    /// The application's row alone: the reservation's columns under its key,
    /// no merge state, no change log (what a table without sync would hold).
    static func rawPlainInsert(_ plates: [String], now: Int64, path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        let queue = try RawSQLite.database(
            path: path,
            table: "reservations (id TEXT PRIMARY KEY, member_id TEXT NOT NULL, plate TEXT NOT NULL, "
                + "zone TEXT NOT NULL, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, status TEXT NOT NULL)"
        )
        try queue.write { db in
            let statement = try db.makeStatement(sql: "INSERT INTO reservations VALUES (?, ?, ?, ?, ?, ?, ?)")
            for (index, plate) in plates.enumerated() {
                try statement.execute(arguments: [
                    "r-\(index)", "m-\(index % 50_000)", plate, "B2", now - 3_600_000, now + 30 * 86_400_000, "booked",
                ])
            }
        }
    }

    /// Bytes in use in the file at `path` (its pages less the free ones), per row.
    static func bytesPerRow(path: String, rows: Int) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            return pageSize * (pages - free) / max(rows, 1)
        }
    }

    /// The rows' keys and stored states (SPEC §12.5) into a plain table
    /// (WAL, `synchronous = FULL`, as the replica is), in one transaction.
    static func rawBulkInsert(_ rows: [(key: String, state: [UInt8])], path: String) throws -> Duration {
        try? FileManager.default.removeItem(atPath: path)
        let queue = try RawSQLite.database(
            path: path, table: "rows (key TEXT PRIMARY KEY, state BLOB NOT NULL)")
        let started = ContinuousClock.now
        try queue.write { db in
            let statement = try db.makeStatement(sql: "INSERT INTO rows (key, state) VALUES (?, ?)")
            for row in rows { try statement.execute(arguments: [row.key, Data(row.state)]) }
        }
        return ContinuousClock.now - started
    }
}

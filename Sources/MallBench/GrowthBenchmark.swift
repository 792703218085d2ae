import ArgumentParser
import Foundation
import GRDB
import MallDomain
import Services
import Storage
import SyncCore

/// Disk and memory over a year of a busy mall, compressed: the real sync
/// engines on real SQLite files (a gate, a gift counter, a lounge desk and
/// the hub) exchanging every message directly, with a simulated clock that
/// runs a day of decisions, then the next. Retention and retirement
/// (SPEC §12.1, §12.2) run as they would; each month prints the files'
/// sizes, and the end compares the last month's growth with the decisions
/// made in it, beside a raw SQLite row of the same passage.
struct GrowthBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "growth", abstract: "Disk and memory of node and hub over a compressed year of decisions.")

    @Option(help: "Simulated days.")
    var days = 365

    @Option(help: "Gate passages a day (each car in and out: half as many reservations).")
    var passages = 2000

    @Option(help: "Gift redemptions a day.")
    var redemptions = 300

    @Option(help: "Lounge visits a day (each a check-in and a check-out).")
    var visits = 200

    @Option(help: "Directory for the files (a fresh temporary one if omitted).")
    var directory: String?

    static let mall = "mall-1"
    static let day: UInt64 = 86_400_000
    static let start: UInt64 = 1_800_000_000_000

    func run() async throws {
        let base =
            directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("mall-growth-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: base) } }
        let decisionsPerDay = passages + redemptions + 2 * visits
        report(
            "growth: \(days) days of \(passages) passages, \(redemptions) redemptions, \(visits) lounge visits "
                + "(\(decisionsPerDay) decisions a day), directory \(base)")
        var fleet = try Fleet(directory: base)
        let header = [
            "month", "decisions", "gate file", "gift file", "lounge file", "hub file", "hub rows", "hub log",
            "resident",
        ]
        report(
            zip(header, Self.widths).map { String(repeating: " ", count: max($1 - $0.count, 0)) + $0 }
                .joined(separator: "  "))
        var samples: [(decisions: Int, gate: Int, hub: Int)] = []
        var decisions = 0
        for day in 0..<days {
            decisions += try fleet.runDay(
                day, passages: passages, redemptions: redemptions, visits: visits)
            if (day + 1) % 30 == 0 || day + 1 == days {
                let sizes = try fleet.sizes()
                samples.append((decisions, sizes.gate, sizes.hub))
                let columns = [
                    "\((day + 1) / 30)", "\(decisions)", Self.mib(sizes.gate), Self.mib(sizes.gift),
                    Self.mib(sizes.lounge), Self.mib(sizes.hub), "\(sizes.hubRows)", "\(sizes.hubLog)",
                    String(format: "%.1f MiB", Self.residentMebibytes()),
                ]
                report(
                    zip(columns, Self.widths).map { String(repeating: " ", count: max($1 - $0.count, 0)) + $0 }
                        .joined(separator: "  "))
            }
        }
        if samples.count >= 2 {
            let last = samples[samples.count - 1]
            let before = samples[samples.count - 2]
            let made = max(last.decisions - before.decisions, 1)
            report(
                "last period: \(made) decisions; gate file grew \(last.gate - before.gate) bytes "
                    + "(\(String(format: "%.1f", Double(last.gate - before.gate) / Double(made))) per decision), "
                    + "hub file \(last.hub - before.hub) bytes "
                    + "(\(String(format: "%.1f", Double(last.hub - before.hub) / Double(made))) per decision)")
        }
        let held = try fleet.sizes()
        report(
            "held at the end: gate \(held.gateRows) rows in \(Self.mib(held.gate)) "
                + "(\(held.gate / max(held.gateRows, 1)) bytes a row), hub \(held.hubRows) rows and \(held.hubLog) "
                + "log entries in \(Self.mib(held.hub))")
        report(
            "baseline, same run: a raw SQLite row of the same passage takes \(try Self.rawPassageBytes(in: base)) bytes"
        )
    }

    /// Bytes per row of a plain table holding the passage's columns, 10,000 rows.
    static func rawPassageBytes(in directory: String) throws -> Int {
        let path = "\(directory)/raw.sqlite"
        let database = try DatabaseQueue(path: path)
        try database.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE passages (key TEXT PRIMARY KEY, reservation_id TEXT, lane TEXT, direction TEXT,
                        plate_raw TEXT, plate TEXT, decision TEXT, rule TEXT, confidence INTEGER, at INTEGER)
                    """)
            for index in 0..<10_000 {
                try db.execute(
                    sql:
                        "INSERT INTO passages VALUES (?, ?, 'north-1', 'in', '沪A·12345', '沪A12345', 'admit', 'exact', 97, ?)",
                    arguments: ["p-gate-1-3-\(index)", "r-\(index)", 1_800_000_000_000 + index])
            }
        }
        let bytes = try database.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0) * (try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
        }
        try database.close()
        return bytes / 10_000
    }

    static let widths = [5, 9, 10, 10, 11, 10, 8, 8, 10]

    static func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

    static func residentMebibytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return pages * 4096 / 1_048_576
    }
}

/// The three nodes and the hub, their files, and the simulated clock.
private struct Fleet {
    let hub: HubEngine<SQLiteHubStore>
    let gate: NodeEngine<SQLiteReplica>
    let gift: NodeEngine<SQLiteReplica>
    let lounge: NodeEngine<SQLiteReplica>
    var nodes: [NodeEngine<SQLiteReplica>] { [gate, gift, lounge] }

    init(directory: String) throws {
        let mall = GrowthBenchmark.mall
        hub = try HubEngine(
            configuration: .init(
                schema: .mall,
                fleet: [
                    "gate-1": .init(mall: mall, role: .gate), "gift-1": .init(mall: mall, role: .gift),
                    "lounge-1": .init(mall: mall, role: .lounge),
                ]),
            store: SQLiteHubStore(path: "\(directory)/hub.sqlite", schema: .mall, auditTrail: .mall))
        gate = try NodeEngine(
            configuration: .init(schema: .mall, node: "gate-1", mall: mall, role: .gate),
            store: SQLiteReplica(path: "\(directory)/gate-1.sqlite", schema: .mall))
        gift = try NodeEngine(
            configuration: .init(schema: .mall, node: "gift-1", mall: mall, role: .gift),
            store: SQLiteReplica(path: "\(directory)/gift-1.sqlite", schema: .mall))
        lounge = try NodeEngine(
            configuration: .init(schema: .mall, node: "lounge-1", mall: mall, role: .lounge),
            store: SQLiteReplica(path: "\(directory)/lounge-1.sqlite", schema: .mall))
        let now = GrowthBenchmark.start
        let members = try hub.write(
            (0..<1000).map {
                .insert(
                    "members", "m-\($0)",
                    ["name": .text("Member \($0)"), "tier": .text("gold"), "guests_allowed": .int(2)])
            }, mall: mall, now: now)
        try exchange(members.outgoing, now: now)
        for node in nodes {
            try exchange(
                try node.connectionChanged(up: true, now: now)
                    + (try node.receive(hub.status(now: now).message, now: now)), now: now)
        }
    }

    /// One day: the hub imports the day's reservations and codes, then each
    /// hour the nodes decide their share and everyone exchanges and ticks.
    /// - Returns: the decisions made.
    mutating func runDay(_ day: Int, passages: Int, redemptions: Int, visits: Int) throws -> Int {
        let dayStart = GrowthBenchmark.start + UInt64(day) * GrowthBenchmark.day
        let cars = passages / 2
        let imported = try hub.write(
            (0..<cars).map {
                .insert(
                    "reservations", "r-\(day)-\($0)",
                    [
                        "plate": .text("沪A\(String(format: "%05d", $0))"), "status": .text("booked"),
                        "window_start": .int(Int64(dayStart)),
                        "window_end": .int(Int64(dayStart + GrowthBenchmark.day)),
                    ])
            }
                + (0..<redemptions).map {
                    .insert(
                        "gift_codes", "gc-\(day)-\($0)",
                        [
                            "member_id": .text("m-\($0 % 1000)"),
                            "valid_to": .int(Int64(dayStart + 7 * GrowthBenchmark.day)),
                        ])
                }, mall: GrowthBenchmark.mall, now: dayStart)
        try exchange(imported.outgoing, now: dayStart)
        var made = 0
        for hour in 0..<24 {
            let now = dayStart + UInt64(hour) * 3_600_000 + 1
            for car in stride(from: hour, to: cars, by: 24) {
                let reservation = "r-\(day)-\(car)"
                for direction in ["in", "out"] {
                    try gate.commit(
                        [
                            .insert(
                                "gate_passages", "p-\(gate.nextChangeID)",
                                [
                                    "reservation_id": .text(reservation), "lane": .text("north-1"),
                                    "direction": .text(direction), "plate": .text("沪A\(String(format: "%05d", car))"),
                                    "decision": .text("admit"), "rule": .text("exact"), "confidence": .int(970),
                                    "at": .int(Int64(now)),
                                ]),
                            .update(
                                "reservations", reservation, ["status": .text(direction == "in" ? "inside" : "left")]),
                        ], now: now)
                    made += 1
                }
            }
            for code in stride(from: hour, to: redemptions, by: 24) {
                try gift.commit(
                    [
                        .insert(
                            "gift_redemptions", "gr-\(gift.nextChangeID)",
                            [
                                "code_id": .text("gc-\(day)-\(code)"), "counter": .text("gift-1"),
                                "member_id": .text("m-\(code % 1000)"), "at": .int(Int64(now)),
                                "valid_to": .int(Int64(dayStart + 7 * GrowthBenchmark.day)),
                            ]),
                        Self.audit(gift, "gift.redeem", "gc-\(day)-\(code)", "redeemed", at: now),
                    ], now: now)
                made += 1
            }
            for visit in stride(from: hour, to: visits, by: 24) {
                let key = "v-\(lounge.nextChangeID)"
                try lounge.commit(
                    [
                        LoungeVisitRows.checkIn(key, member: "m-\(visit % 1000)", guests: 1, at: Int64(now)),
                        Self.audit(lounge, "lounge.check-in", key, "checked in", at: now),
                    ], now: now)
                try lounge.commit(
                    [
                        LoungeVisitRows.checkOut(key, at: Int64(now + 1)),
                        Self.audit(lounge, "lounge.check-out", key, "closed", at: now + 1),
                    ],
                    now: now + 1)
                made += 2
            }
            var out = try hub.tick(now: now + 2)
            for node in nodes { out += try node.tick(now: now + 2) }
            try exchange(out, now: now + 2)
        }
        return made
    }

    /// The audit entry a node's coordinator writes with every decision but
    /// a gate's read, whose passage stands for it (`AuditTrailSources.mall`).
    static func audit(
        _ node: NodeEngine<SQLiteReplica>, _ action: String, _ target: String, _ outcome: String, at: UInt64
    ) -> LocalWrite {
        NodeCoordinator.auditEntry(
            node: node.configuration.node, actor: node.configuration.node, action: action, target: target,
            outcome: outcome, at: at, id: node.nextChangeID)
    }

    /// Delivers messages both ways until nothing is left to say.
    func exchange(_ first: [Outgoing], now: UInt64) throws {
        var pending = first
        var rounds = 0
        while !pending.isEmpty && rounds < 100 {
            rounds += 1
            var toNodes: [Outgoing] = []
            for message in pending {
                switch message.message {
                case .changes, .heartbeat, .birth, .death, .resend, .snapshotRequest:
                    toNodes += hub.receive(topic: message.topic, message: message.message, now: now).outgoing
                case .ack, .batch, .snapshotPart, .control, .hubStatus:
                    toNodes.append(message)
                }
            }
            pending = []
            for message in toNodes {
                for node in nodes { pending += try node.receive(message.message, now: now) }
            }
            for node in nodes { pending += try node.tick(now: now) }
            pending = pending.filter { if case .heartbeat = $0.message { false } else { true } }
        }
    }

    struct Sizes {
        var gate: Int
        var gift: Int
        var lounge: Int
        var hub: Int
        var gateRows: Int
        var hubRows: Int
        var hubLog: Int
    }

    /// Each file's size after a checkpoint folds its write-ahead log in.
    func sizes() throws -> Sizes {
        func size(_ database: DatabaseQueue) throws -> Int {
            try database.writeWithoutTransaction { db in
                try db.checkpoint(.truncate)
                return (try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0)
                    * (try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
            }
        }
        func count(_ database: DatabaseQueue, _ table: String) throws -> Int {
            try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(table)") ?? 0 }
        }
        return Sizes(
            gate: try size(gate.store.database), gift: try size(gift.store.database),
            lounge: try size(lounge.store.database), hub: try size(hub.store.database),
            gateRows: try count(gate.store.database, "rows"), hubRows: try count(hub.store.database, "rows"),
            hubLog: try count(hub.store.database, "log"))
    }
}

import Foundation
import GRDB
import MallDomain
import Simulation
import SyncCore
import Testing

@testable import Storage

/// Node and hub engines on real SQLite files, exchanging messages directly:
/// what the node decides reaches the hub once, and the hub's changes reach
/// the node, across restarts of both.
@Suite struct SQLiteFleetTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("malledge-fleet-\(UUID().uuidString)")

    var hubPath: String { directory.appendingPathComponent("hub.sqlite").path }

    func hubEngine() throws -> HubEngine<SQLiteHubStore> {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)]),
            store: SQLiteHubStore(path: hubPath, schema: .mall)
        )
    }

    func nodeEngine() throws -> NodeEngine<SQLiteReplica> {
        try NodeEngine(
            configuration: .init(schema: .mall, node: "gate-1", mall: "m", role: .gate),
            store: SQLiteReplica(path: directory.appendingPathComponent("gate-1.sqlite").path, schema: .mall))
    }

    /// Delivers messages both ways until nothing is left to say.
    func exchange(node: NodeEngine<SQLiteReplica>, hub: HubEngine<SQLiteHubStore>, _ first: [Outgoing], now: UInt64)
        throws
    {
        var toHub = first
        var rounds = 0
        while !toHub.isEmpty && rounds < 50 {
            rounds += 1
            var toNode: [Outgoing] = []
            for message in toHub {
                let result = hub.receive(topic: message.topic, message: message.message, now: now)
                #expect(result.rejection == nil)
                toNode += result.outgoing
            }
            toHub = []
            for message in toNode { toHub += try node.receive(message.message, now: now) }
            toHub += try node.tick(now: now)
            toHub = toHub.filter { if case .heartbeat = $0.message { false } else { true } }
        }
    }

    @Test func decisionsAndAdminChangesConvergeAcrossRestarts() throws {
        var hub = try hubEngine()
        var node = try nodeEngine()
        let now: UInt64 = 1_800_000_000_000
        // The hub imports a reservation; the node boots from a snapshot.
        let imported = try hub.write(
            [.insert("reservations", "r-1", ["plate": .text("皖A12345"), "status": .text("booked")])], mall: "m",
            now: now)
        #expect(imported.accepted == 1)
        try exchange(
            node: node, hub: hub,
            try node.connectionChanged(up: true, now: now)
                + [hub.status(now: now)].flatMap { try node.receive($0.message, now: now) }, now: now)
        #expect(try node.store.row(RowRef(table: "reservations", key: "r-1"))?.isVisible == true)

        // The gate admits the car while offline, then both processes restart.
        try node.commit(
            [
                .insert("gate_passages", "p-1", ["reservation_id": .text("r-1"), "direction": .text("in")]),
                .update("reservations", "r-1", ["status": .text("inside")]),
            ], now: now + 10)
        node = try nodeEngine()
        hub = try hubEngine()
        try exchange(node: node, hub: hub, try node.connectionChanged(up: true, now: now + 20), now: now + 20)

        #expect(node.outboxStatus.depth == 0)
        #expect(hub.highWater(origin: "gate-1", epoch: 1)?.seq == 2)
        let parking = Channel(mall: "m", kind: .parking)
        #expect(
            ReplicaDigest.of(try node.store.rows(in: parking), floor: 0, schema: .mall)
                == ReplicaDigest.of(try hub.store.rows(in: parking), floor: 0, schema: .mall))
        #expect(
            try hub.store.row(RowRef(table: "reservations", key: "r-1"))?.state.cells["status"]?.value
                == .text("inside"))
    }

    /// §12: a lounge desk closes out a visit offline by deleting it; while it
    /// is away the hub's floor passes the visit's seq. Back online, the
    /// retained status arrives before the delete comes back: the desk must
    /// not forget its own tombstone, or it ends up holding the visit as never
    /// inserted while the hub holds it inserted.
    @Test func anOfflineDeleteOfARowBelowTheFloorComesBackAsTheHubHoldsIt() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: ["lounge-1": .init(mall: "m", role: .lounge)]),
            store: SQLiteHubStore(path: hubPath, schema: .mall))
        let node = try NodeEngine(
            configuration: .init(schema: .mall, node: "lounge-1", mall: "m", role: .lounge),
            store: SQLiteReplica(path: directory.appendingPathComponent("lounge-1.sqlite").path, schema: .mall))
        let now: UInt64 = 1_800_000_000_000
        let visit = { (key: String) -> LocalWrite in
            .insert("lounge_visits", key, ["member_id": .text("m-1"), "status": .text("open"), "guests": .int(0)])
        }
        _ = try hub.write([visit("v-1"), visit("v-2")], mall: "m", now: now)
        _ = try hub.write([.delete("lounge_visits", "v-2")], mall: "m", now: now)
        try exchange(
            node: node, hub: hub,
            try node.connectionChanged(up: true, now: now) + (try node.receive(hub.status(now: now).message, now: now)),
            now: now)
        let ref = RowRef(table: "lounge_visits", key: "v-1")
        #expect(try node.store.row(ref)?.isVisible == true)
        // The desk reports its cursor, drops off the network and closes the visit out.
        for message in try node.tick(now: now + 2000) {
            _ = hub.receive(topic: message.topic, message: message.message, now: now + 2000)
        }
        _ = try node.connectionChanged(up: false, now: now + 3000)
        try node.commit([.delete("lounge_visits", "v-1")], now: now + 3000)
        // Meanwhile the hub collects v-2's tombstone and raises the floor past v-1.
        _ = try hub.tick(now: now + 20_000)
        let lounge = Channel(mall: "m", kind: .lounge)
        let floor = try #require(hub.floors[lounge])
        #expect(floor >= (try #require(try hub.store.row(ref))).seq)

        let back = now + 30_000
        let hello = try node.connectionChanged(up: true, now: back)
        try exchange(
            node: node, hub: hub, (try node.receive(hub.status(now: back).message, now: back)) + hello, now: back)
        #expect(node.outboxStatus.depth == 0)
        let atTheHub = try #require(try hub.store.row(ref))
        #expect(atTheHub.state.isTombstone && atTheHub.state.inserted)
        #expect(try node.store.row(ref) == atTheHub.state)
    }

    /// How many times the hub logged an insert of `table`/`key`.
    func loggedInserts(_ hub: HubEngine<SQLiteHubStore>, _ table: String, _ key: String) throws -> Int {
        try hub.store.database.read { db in
            try Data.fetchAll(
                db, sql: "SELECT change FROM log WHERE table_name = ? AND key = ? AND change IS NOT NULL",
                arguments: [table, key]
            ).map(StoredChange.decode).filter { $0.op == .insert }.count
        }
    }

    @Test func aHubRestoredFromABackupTakesBackWhatItAcknowledgedSince() throws {
        var hub: HubEngine<SQLiteHubStore>? = try hubEngine()
        let node = try nodeEngine()
        let now: UInt64 = 1_800_000_000_000
        let parking = Channel(mall: "m", kind: .parking)
        _ = try hub!.write(
            (1...3).map {
                .insert("reservations", "r-\($0)", ["plate": .text("皖A1234\($0)"), "status": .text("booked")])
            },
            mall: "m", now: now)
        try exchange(
            node: node, hub: hub!,
            try node.connectionChanged(up: true, now: now)
                + (try node.receive(hub!.status(now: now).message, now: now)),
            now: now)
        try node.commit(
            [.insert("gate_passages", "p-1", ["reservation_id": .text("r-1"), "direction": .text("in")])], now: now + 10
        )
        try exchange(node: node, hub: hub!, try node.tick(now: now + 10), now: now + 10)

        // Given a backup taken here, and a day of decisions the hub acknowledged after it,
        let backupPath = directory.appendingPathComponent("nightly.sqlite").path
        let backup = try HubBackup.take(from: hubPath, to: backupPath)
        try node.commit(
            [
                .insert("gate_passages", "p-2", ["reservation_id": .text("r-2"), "direction": .text("in")]),
                .update("reservations", "r-2", ["status": .text("inside")]),
            ], now: now + 20)
        try exchange(node: node, hub: hub!, try node.tick(now: now + 20), now: now + 20)
        #expect(node.outboxStatus.depth == 0)
        let cursorBefore = try #require(node.cursor(of: parking))
        #expect(cursorBefore > UInt64(backup.logPosition))

        // when the hub's disk is lost and the backup restored (refused while the store is held),
        do {
            let held = try StoreLock(storePath: hubPath)
            #expect(throws: StorageError.self) { try HubBackup.restore(backupPath, to: hubPath) }
            withExtendedLifetime(held) {}
        }
        hub = nil
        let (restored, keptAs) = try HubBackup.restore(backupPath, to: hubPath)
        #expect(restored.logPosition == backup.logPosition)
        #expect(keptAs.map { FileManager.default.fileExists(atPath: $0) } == true)
        hub = try hubEngine()
        #expect(hub!.history.marks.count == 2)
        #expect(hub!.history.marks.last?.from == UInt64(backup.logPosition))
        #expect(try loggedInserts(hub!, "gate_passages", "p-2") == 0)

        // then the node, told of the new history, sends again what it kept, re-snapshots the
        // channel its cursor ran past, and the hub holds every decision exactly once.
        let later = now + 60_000
        try exchange(
            node: node, hub: hub!,
            try node.connectionChanged(up: true, now: later)
                + (try node.receive(hub!.status(now: later).message, now: later)),
            now: later)
        try exchange(node: node, hub: hub!, try node.tick(now: later + 5000), now: later + 5000)
        #expect(node.outboxStatus.depth == 0)
        #expect(try loggedInserts(hub!, "gate_passages", "p-1") == 1)
        #expect(try loggedInserts(hub!, "gate_passages", "p-2") == 1)
        #expect(
            try hub!.store.row(RowRef(table: "reservations", key: "r-2"))?.state.cells["status"]?.value
                == .text("inside"))
        #expect(node.cursor(of: parking) == hub!.heads[parking])
        #expect(
            ReplicaDigest.of(try node.store.rows(in: parking), floor: 0, schema: .mall)
                == ReplicaDigest.of(try hub!.store.rows(in: parking), floor: 0, schema: .mall))
        // A second start on the restored store is an ordinary restart: the same history.
        hub = try hubEngine()
        #expect(hub!.history.marks.count == 2)
    }
}

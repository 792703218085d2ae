import Foundation
import Simulation
import Storage
import SyncCore
import Testing

/// Node and hub engines on real SQLite files, exchanging messages directly:
/// what the node decides reaches the hub once, and the hub's changes reach
/// the node, across restarts of both.
@Suite struct SQLiteFleetTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("malledge-fleet-\(UUID().uuidString)")

    func hubEngine() throws -> HubEngine<SQLiteHubStore> {
        try HubEngine(
            configuration: .init(fleet: ["gate-1": .init(mall: "m", role: .gate)]),
            store: SQLiteHubStore(path: directory.appendingPathComponent("hub.sqlite").path))
    }

    func nodeEngine() throws -> NodeEngine<SQLiteReplica> {
        try NodeEngine(
            configuration: .init(node: "gate-1", mall: "m", role: .gate),
            store: SQLiteReplica(path: directory.appendingPathComponent("gate-1.sqlite").path))
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
        #expect(ReplicaDigest.of(try node.store.rows(in: parking)) == ReplicaDigest.of(try hub.store.rows(in: parking)))
        #expect(
            try hub.store.row(RowRef(table: "reservations", key: "r-1"))?.state.cells["status"]?.value
                == .text("inside"))
    }
}

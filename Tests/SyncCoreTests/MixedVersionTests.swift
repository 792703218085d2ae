import Foundation
import MallDomain
import Simulation
import Storage
import Testing

@testable import SyncCore

/// A fleet mid-upgrade (SPEC §16.1): the hub runs a newer schema, with a
/// channel kind, a table and a column the gate's older build lacks. Every
/// message goes through the JSON codec of its receiver's own schema, as it
/// would between two builds. The old gate keeps syncing: it decodes the
/// hub's status, batches and snapshots, passes by what it does not know,
/// holds exactly what the hub holds of what it does know, and its own
/// decisions still reach the hub.
@Suite struct MixedVersionTests {
    static let parking = Channel(mall: "m", kind: .parking)
    static let newer = SyncSchema.mallWithValet

    let hub: HubEngine<MemoryHubStore>
    /// The gate's replica: a real SQLite file, kept across its upgrade.
    let replicaPath = FileManager.default.temporaryDirectory.appendingPathComponent("gate-\(UUID().uuidString)").path
    let hubCodec = WireCodec(schema: newer)

    init() throws {
        hub = try HubEngine(
            configuration: .init(
                schema: Self.newer,
                fleet: ["gate-1": .init(mall: "m", role: .gate), "gate-2": .init(mall: "m", role: .gate)]),
            store: MemoryHubStore(schema: Self.newer))
    }

    /// The gate of `schema`'s build, on its replica file.
    func gate(_ schema: SyncSchema) throws -> NodeEngine<SQLiteReplica> {
        try NodeEngine(
            configuration: .init(schema: schema, node: "gate-1", mall: "m", role: .gate),
            store: SQLiteReplica(path: replicaPath, schema: schema))
    }

    /// Passes messages both ways, through each receiver's codec, until
    /// neither side has anything more to say.
    func settle(_ node: NodeEngine<SQLiteReplica>, from start: [Outgoing], now: inout UInt64) throws {
        let nodeCodec = WireCodec(schema: node.configuration.schema)
        var toHub = start
        for _ in 0..<50 {
            now += 100
            var toNode: [Outgoing] = []
            for message in toHub {
                let result = hub.receive(
                    topic: message.topic, message: try hubCodec.decode(nodeCodec.encode(message.message)), now: now)
                #expect(
                    result.rejection == nil,
                    "the hub refused \(message.message.type): \(String(describing: result.rejection))")
                toNode += result.outgoing
            }
            toNode += try hub.tick(now: now)
            toHub = try node.tick(now: now)
            for message in toNode {
                toHub += try node.receive(try nodeCodec.decode(hubCodec.encode(message.message)), now: now)
            }
            if toHub.isEmpty && toNode.isEmpty { return }
        }
    }

    /// The digests of the parking channel at the node and at the hub, both
    /// counted through `schema`.
    func digests(_ node: NodeEngine<SQLiteReplica>, schema: SyncSchema = .mall) throws -> (node: String, hub: String) {
        let floor = try node.store.collectedFloor(of: Self.parking)
        return (
            ReplicaDigest.of(try node.store.rows(in: Self.parking), floor: floor, schema: schema),
            ReplicaDigest.of(try hub.store.rows(in: Self.parking), floor: floor, schema: schema)
        )
    }

    @Test func anOldGateSyncsWithAHubOfANewerSchema() throws {
        // Given a hub of the newer schema holding a reservation with a bay,
        // a valet ticket on the parking channel and a key on the valet channel,
        var now: UInt64 = 1_000
        _ = try hub.write(
            [
                .insert(
                    "reservations", "r-1",
                    ["plate": .text("皖A12345"), "status": .text("booked"), "bay": .text("B7")]),
                .insert("valet_tickets", "t-1", ["plate": .text("皖A12345"), "status": .text("parked")]),
                .insert("valet_keys", "k-1", ["hook": .int(12)]),
            ], mall: "m", now: now)

        // when a gate of the old build joins and bootstraps,
        defer { try? FileManager.default.removeItem(atPath: replicaPath) }
        let gate = try self.gate(.mall)
        try settle(gate, from: try gate.connectionChanged(up: true, now: now), now: &now)

        // then it holds the reservation without the column it does not
        // know, no row of the table it does not know, and agrees with the hub.
        #expect(gate.cursor(of: Self.parking) == hub.heads[Self.parking])
        let reservation = try #require(try gate.store.row(RowRef(table: "reservations", key: "r-1")))
        #expect(reservation.values == ["plate": .text("皖A12345"), "status": .text("booked")])
        #expect(try gate.store.row(RowRef(table: "valet_tickets", key: "t-1")) == nil)
        var digests = try self.digests(gate)
        #expect(digests.node == digests.hub)

        // When the hub goes on logging what the gate does not know, in
        // batches this time, and the gate admits the car,
        _ = try hub.write(
            [
                .update("reservations", "r-1", ["bay": .text("C2")]),
                .update("valet_tickets", "t-1", ["status": .text("returned")]),
                .insert("valet_keys", "k-2", ["hook": .int(13)]),
            ], mall: "m", now: now)
        try gate.commit(
            [
                .update("reservations", "r-1", ["status": .text("inside")]),
                .insert(
                    "gate_passages", "p-1",
                    ["reservation_id": .text("r-1"), "direction": .text("in"), "decision": .text("admit")]),
            ], now: now)
        try settle(gate, from: try gate.tick(now: now), now: &now)

        // then the gate's decision reached the hub, nothing waits to be sent,
        // and the two still agree on everything the old schema covers.
        #expect(gate.outboxStatus.depth == 0)
        #expect(try hub.store.row(RowRef(table: "gate_passages", key: "p-1"))?.state.isVisible == true)
        #expect(try hub.store.row(RowRef(table: "reservations", key: "r-1"))?.state.values["bay"] == .text("C2"))
        #expect(gate.cursor(of: Self.parking) == hub.heads[Self.parking])
        digests = try self.digests(gate)
        #expect(digests.node == digests.hub)
        // (Counted through the newer schema, they differ: the hub holds more.)
        let floor = try gate.store.collectedFloor(of: Self.parking)
        #expect(
            ReplicaDigest.of(try gate.store.rows(in: Self.parking), floor: floor, schema: Self.newer)
                != ReplicaDigest.of(try hub.store.rows(in: Self.parking), floor: floor, schema: Self.newer))
    }

    @Test func anUpgradedGateSnapshotsAgainWhatItPassedBy() throws {
        // Given an old gate that passed by a table and a column of the hub's
        // newer schema,
        defer { try? FileManager.default.removeItem(atPath: replicaPath) }
        var now: UInt64 = 1_000
        _ = try hub.write(
            [
                .insert(
                    "reservations", "r-1", ["plate": .text("皖A12345"), "status": .text("booked"), "bay": .text("B7")]),
                .insert("valet_tickets", "t-1", ["plate": .text("皖A12345"), "status": .text("parked")]),
            ], mall: "m", now: now)
        var gate = try self.gate(.mall)
        try settle(gate, from: try gate.connectionChanged(up: true, now: now), now: &now)
        #expect(try gate.store.row(RowRef(table: "valet_tickets", key: "t-1")) == nil)

        // restarted on the same build, it keeps its cursors;
        gate = try self.gate(.mall)
        #expect(gate.cursor(of: Self.parking) == hub.heads[Self.parking])

        // when it is upgraded to the hub's schema and restarts on its replica,
        gate = try self.gate(Self.newer)
        #expect(gate.cursor(of: Self.parking) == nil)
        try settle(gate, from: try gate.connectionChanged(up: true, now: now), now: &now)

        // then it holds what it passed by, and agrees with the hub on all of it.
        #expect(try gate.store.row(RowRef(table: "valet_tickets", key: "t-1"))?.isVisible == true)
        #expect(try gate.store.row(RowRef(table: "reservations", key: "r-1"))?.values["bay"] == .text("B7"))
        let digests = try self.digests(gate, schema: Self.newer)
        #expect(digests.node == digests.hub)
    }

    @Test func aNewerNameIsPassedByButABrokenOneIsStillRefused() throws {
        let entry = { (table: String, column: String, value: Value) in
            LogEntry(
                seq: 1,
                change: Change(
                    id: ChangeID(origin: "hub", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: 1), table: table,
                    key: "k-1", channel: Self.parking, op: .insert, columns: [column: value]))
        }
        func problem(_ entry: LogEntry) -> String? {
            WireMessage.batch(LogBatch(channel: Self.parking, prev: 0, upTo: 1, entries: [entry]))
                .problem(maxItems: 10, schema: .mall)
        }
        // A table or column of a newer schema passes, in a valid shape;
        #expect(problem(entry("valet_tickets", "plate", .text("A1"))) == nil)
        #expect(problem(entry("reservations", "bay", .text("B7"))) == nil)
        // names that no schema could hold, and values no column could, do not;
        #expect(problem(entry("valet tickets", "plate", .text("A1"))) != nil)
        #expect(problem(entry("valet_tickets", "pl/ate", .text("A1"))) != nil)
        #expect(problem(entry("valet_tickets", "plate", .text(String(repeating: "x", count: 17_000)))) != nil)
        // and a known column still holds only its own type.
        #expect(problem(entry("reservations", "window_end", .text("soon"))) != nil)
        // A node's own change is held to the hub's schema exactly.
        let own = WireMessage.changes(
            ChangeBatch(node: "gate-1", sentAt: 1, changes: [entry("valet_tickets", "plate", .text("A1")).change]))
        #expect(own.problem(maxItems: 10, schema: .mall) == "unknown table valet_tickets")
    }
    /// A snapshot row of a known table is checked as its known part: the
    /// cells of columns the table lacks pass by unchecked, as `known(_:)`
    /// drops them, and every other cell and the key are held to the schema.
    @Test(arguments: 1...200 as ClosedRange<UInt64>)
    func aSnapshotRowIsCheckedAsItsKnownPart(seed: UInt64) throws {
        var random = MergePropertyTests.Random(state: seed &* 0x9FB2_1C65_1E98_DF25 | 1)
        let names = ["status", "plate", "window_end", "zone", "bay", "pl/ate"]
        let values: [Value] = [
            .null, .int(0), .int(-1), .int(Int64.max), .text("booked"), .text("沪A12345"), .text("a\u{1E}b"),
            .text(String(repeating: "x", count: 17_000)),
        ]
        let keys = ["r-1", "", "r\u{1}", String(repeating: "k", count: 129)]
        let stamp = Stamp(hlc: HybridTimestamp(wallMillis: 1), id: ChangeID(origin: "hub", epoch: 1, seq: 1))
        var state = RowState(inserted: true)
        for _ in 0..<random.int(0..<5) {
            state.cells[names[random.int(0..<names.count)]] = .init(
                value: values[random.int(0..<values.count)], stamp: stamp)
        }
        let row = SnapshotRow(
            table: "reservations", key: keys[random.int(0..<4) == 0 ? random.int(0..<keys.count) : 0], seq: 1,
            state: state)
        let known = try #require(SyncSchema.mall.known(row))
        // Refused or not alike (which of two bad cells is named follows the dictionary's order).
        #expect(
            (SyncSchema.mall.violation(ofSnapshot: row, on: .parking) == nil)
                == (SyncSchema.mall.violation(of: known) == nil))
        #expect(SyncSchema.mall.violation(ofSnapshot: row, on: .lounge) != nil)
    }
    /// A logged change of a known table is checked as its known part too.
    @Test(arguments: 1...300 as ClosedRange<UInt64>)
    func aLoggedChangeIsCheckedAsItsKnownPart(seed: UInt64) throws {
        var random = MergePropertyTests.Random(state: seed &* 0xD6E8_FEB8_6659_FD93 | 1)
        let names = ["status", "plate", "window_end", "bay", "pl/ate"]
        let values: [Value] = [.null, .int(-1), .int(Int64.max), .text("booked"), .text("a\u{1E}b")]
        let ops: [Change.Operation] = [.insert, .update, .delete]
        var columns: [String: Value] = [:]
        for _ in 0..<random.int(0..<4) {
            columns[names[random.int(0..<names.count)]] = values[random.int(0..<values.count)]
        }
        let change = Change(
            id: ChangeID(origin: "hub", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: 1),
            table: ["reservations", "audit_log"][random.int(0..<2)], key: ["r-1", ""][random.int(0..<5) == 0 ? 1 : 0],
            channel: Channel(mall: "m", kind: [.parking, .lounge][random.int(0..<4) == 0 ? 1 : 0]),
            op: ops[random.int(0..<ops.count)], columns: columns)
        let known = try #require(SyncSchema.mall.known(LogEntry(seq: 1, change: change))).change
        #expect((SyncSchema.mall.violation(ofLogged: change) == nil) == (SyncSchema.mall.violation(of: known) == nil))
    }
}

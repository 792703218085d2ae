import MallSchema
import Simulation
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
    static let valet = Channel.Kind("valet")

    /// The mall's schema one version on: valet parking. A `valet` channel
    /// kind no device of the old build replicates, a `valet_tickets` table
    /// on the gates' own parking channel, and a `bay` column on reservations.
    static let newer: SyncSchema = {
        var tables = Array(SyncSchema.mall.tables.values)
        let reservations = tables.firstIndex { $0.name == "reservations" }!
        tables[reservations].columns["bay"] = .text
        tables.append(
            SyncSchema.Table(
                name: "valet_tickets", kind: .mutable, columns: ["plate": .text, "status": .text],
                channelKinds: [.parking]))
        tables.append(
            SyncSchema.Table(
                name: "valet_keys", kind: .mutable, columns: ["hook": .int(1...500)], channelKinds: [valet]))
        var subscriptions = SyncSchema.mall.subscriptions
        subscriptions[Role("valet")] = [valet, .parking]
        return SyncSchema(
            tables: tables, channelKinds: SyncSchema.mall.channelKinds + [valet], subscriptions: subscriptions,
            rights: SyncSchema.mall.rights, singleUseRules: SyncSchema.mall.singleUseRules)
    }()

    let hub: HubEngine<MemoryHubStore>
    let hubCodec = WireCodec(schema: newer)
    let oldCodec = WireCodec(schema: .mall)

    init() throws {
        hub = try HubEngine(
            configuration: .init(
                schema: Self.newer,
                fleet: ["gate-1": .init(mall: "m", role: .gate), "gate-2": .init(mall: "m", role: .gate)]),
            store: MemoryHubStore(schema: Self.newer))
    }

    func oldGate(_ id: NodeID) throws -> NodeEngine<MemoryReplicaStore> {
        try NodeEngine(
            configuration: .init(schema: .mall, node: id, mall: "m", role: .gate),
            store: MemoryReplicaStore(schema: .mall))
    }

    /// Passes messages both ways, through each receiver's codec, until
    /// neither side has anything more to say.
    func settle(_ node: NodeEngine<MemoryReplicaStore>, from start: [Outgoing], now: inout UInt64) throws {
        var toHub = start
        for _ in 0..<50 {
            now += 100
            var toNode: [Outgoing] = []
            for message in toHub {
                let result = hub.receive(
                    topic: message.topic, message: try hubCodec.decode(oldCodec.encode(message.message)), now: now)
                #expect(
                    result.rejection == nil,
                    "the hub refused \(message.message.type): \(String(describing: result.rejection))")
                toNode += result.outgoing
            }
            toNode += try hub.tick(now: now)
            toHub = try node.tick(now: now)
            for message in toNode {
                toHub += try node.receive(try oldCodec.decode(hubCodec.encode(message.message)), now: now)
            }
            if toHub.isEmpty && toNode.isEmpty { return }
        }
    }

    /// The digests of the parking channel at the node and at the hub, both
    /// counted through the old schema, as the node holds it.
    func digests(_ node: NodeEngine<MemoryReplicaStore>) throws -> (node: String, hub: String) {
        let floor = try node.store.collectedFloor(of: Self.parking)
        return (
            ReplicaDigest.of(try node.store.rows(in: Self.parking), floor: floor, schema: .mall),
            ReplicaDigest.of(try hub.store.rows(in: Self.parking), floor: floor, schema: .mall)
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
        let gate = try oldGate("gate-1")
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
}

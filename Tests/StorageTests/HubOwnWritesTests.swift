import Foundation
import MallDomain
import Simulation
import Storage
import SyncCore
import Testing

/// The hub's own writes (imports, operators' decisions) follow the merge
/// rules like a node's (SPEC §12): a deleted row stays deleted, also once
/// its tombstone is collected, and no write leaves cells without an insert.
@Suite struct HubOwnWritesTests {
    enum Kind: String, CaseIterable, Sendable { case sqlite, memory }

    static let now: UInt64 = 1_800_000_000_000
    static let parking = Channel(mall: "m", kind: .parking)
    static let booked: [String: Value] = [
        "member_id": .text("m-1"), "plate": .text("沪A12345"), "status": .text("booked"),
    ]

    static func hub<Store: HubStore>(_ store: Store) throws -> HubEngine<Store> {
        try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)]), store: store)
    }

    static func sqlite() throws -> SQLiteHubStore {
        try SQLiteHubStore(
            path: FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString)").path,
            schema: .mall)
    }

    @Test(arguments: Kind.allCases)
    func aDeletedRowStaysDeletedAtTheHubAlsoOnceCollected(kind: Kind) throws {
        switch kind {
        case .sqlite: try deletedRowStaysDeleted(Self.hub(Self.sqlite()))
        case .memory: try deletedRowStaysDeleted(Self.hub(MemoryHubStore(schema: .mall)))
        }
    }

    @Test(arguments: Kind.allCases)
    func anUpdateOfARowNeverInsertedChangesNothing(kind: Kind) throws {
        switch kind {
        case .sqlite: try updateOfRowNeverInserted(Self.hub(Self.sqlite()))
        case .memory: try updateOfRowNeverInserted(Self.hub(MemoryHubStore(schema: .mall)))
        }
    }

    func deletedRowStaysDeleted<Store: HubStore>(_ hub: HubEngine<Store>) throws {
        let ref = RowRef(table: "reservations", key: "r-1")
        _ = try hub.write([.insert("reservations", "r-1", Self.booked)], mall: "m", now: Self.now)
        _ = try hub.write([.delete("reservations", "r-1")], mall: "m", now: Self.now + 1)
        #expect(throws: SyncError.self) {
            try hub.write([.insert("reservations", "r-1", Self.booked)], mall: "m", now: Self.now + 2)
        }
        // Collected: the log still names the row, and it stays deleted.
        #expect(try hub.store.collectTombstones(channel: Self.parking, through: 2) == 2)
        #expect(try hub.store.row(ref) == nil)
        #expect(try hub.store.wasCollected(ref))
        #expect(throws: SyncError.self) {
            try hub.write([.insert("reservations", "r-1", Self.booked)], mall: "m", now: Self.now + 3)
        }
        let update = try hub.write(
            [.update("reservations", "r-1", ["status": .text("cancelled")])], mall: "m", now: Self.now + 4)
        #expect(update.accepted == 0 && update.outgoing.isEmpty)
        #expect(try hub.store.row(ref) == nil)
    }

    func updateOfRowNeverInserted<Store: HubStore>(_ hub: HubEngine<Store>) throws {
        let update = try hub.write(
            [.update("reservations", "r-9", ["status": .text("cancelled")])], mall: "m", now: Self.now)
        #expect(update.accepted == 0)
        #expect(try hub.store.row(RowRef(table: "reservations", key: "r-9")) == nil)
        #expect(try hub.store.wasCollected(RowRef(table: "reservations", key: "r-9")) == false)
        // Inserted and updated in one write: the update finds its row.
        let both = try hub.write(
            [
                .insert("reservations", "r-9", Self.booked),
                .update("reservations", "r-9", ["status": .text("cancelled")]),
            ], mall: "m", now: Self.now + 1)
        #expect(both.accepted == 2)
        #expect(
            try hub.store.row(RowRef(table: "reservations", key: "r-9"))?.state.values["status"] == .text("cancelled"))
    }

    /// A node's insert of a row whose tombstone the hub collected (a replay to
    /// a restored hub, after another node's delete of it was taken and
    /// collected) is taken but not applied, and a delete undoes it at its
    /// origin: the row stays deleted everywhere.
    @Test func aNodesInsertOfACollectedRowIsNotAppliedAndUndoneAtItsOrigin() throws {
        let lounge = Channel(mall: "m", kind: .lounge)
        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: ["lounge-1": .init(mall: "m", role: .lounge)]),
            store: MemoryHubStore(schema: .mall))
        let key = "v-lounge-1-1-1"
        let visit: [String: Value] = [
            "member_id": .text("m-1"), "guests": .int(0), "status": .text("open"), "checked_in_at": .int(1),
        ]
        _ = try hub.write([.insert("lounge_visits", key, visit)], mall: "m", now: Self.now)
        _ = try hub.write([.delete("lounge_visits", key)], mall: "m", now: Self.now + 1)
        #expect(try hub.store.collectTombstones(channel: lounge, through: 2) == 2)
        let insert = Change(
            id: ChangeID(origin: "lounge-1", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: Self.now + 2),
            table: "lounge_visits", key: key, channel: lounge, op: .insert, columns: visit)
        let result = hub.receive(
            topic: Topics.node("lounge-1", mall: "m", .up),
            message: .changes(ChangeBatch(node: "lounge-1", sentAt: Self.now + 2, changes: [insert])), now: Self.now + 2
        )
        #expect(result.rejection == nil && result.notApplied == [insert])
        #expect(try hub.store.row(RowRef(table: "lounge_visits", key: key))?.state.isVisible != true)
        let corrections = result.outgoing.flatMap { outgoing -> [Change] in
            if case .batch(let batch) = outgoing.message { batch.entries.map(\.change) } else { [] }
        }
        #expect(corrections.contains { $0.key == key && $0.op == .delete && $0.id.origin == "hub" })
    }
}

import Foundation
import GRDB
import MallDomain
import Simulation
import SyncCore
import Testing

@testable import Storage

/// A node that renumbered its outbox into a new epoch (§8.5) sends changes
/// the hub already holds under their old ids: the hub finds them by content
/// and takes them as duplicates, never twice. It looks up by content only
/// the changes stamped at or below the latest it took from the origin (a
/// renumbered change keeps its stamp), and every change of an origin whose
/// high-water marks predate their stamps.
@Suite struct RenumberedChangeTests {
    enum Kind: String, CaseIterable, Sendable { case sqlite, memory }

    static let now: UInt64 = 1_800_000_000_000
    static let parking = Channel(mall: "m", kind: .parking)

    static func hub<Store: HubStore>(_ store: Store) throws -> HubEngine<Store> { try HubOwnWritesTests.hub(store) }
    static func sqlite() throws -> SQLiteHubStore { try HubOwnWritesTests.sqlite() }

    /// A passage decided at `now + stamp`, as change `seq` of `epoch`.
    static func passage(_ stamp: UInt64, epoch: UInt64, seq: UInt64) -> Change {
        Change(
            id: ChangeID(origin: "gate-1", epoch: epoch, seq: seq), hlc: HybridTimestamp(wallMillis: now + stamp),
            table: "gate_passages", key: "gp-gate-1-\(stamp)", channel: parking, op: .insert,
            columns: ["plate": .text("沪A12345"), "direction": .text("in")])
    }

    static func send<Store: HubStore>(_ changes: [Change], to hub: HubEngine<Store>) -> HubEngine<Store>.Result {
        hub.receive(
            topic: Topics.node("gate-1", mall: "m", .up),
            message: .changes(ChangeBatch(node: "gate-1", sentAt: now, changes: changes)), now: now + 1_000)
    }

    @Test(arguments: Kind.allCases)
    func changesRenumberedIntoANewEpochAreTakenOnceAndANewOneAfterThemIsTaken(kind: Kind) throws {
        switch kind {
        case .sqlite: try renumbered(Self.hub(Self.sqlite()))
        case .memory: try renumbered(Self.hub(MemoryHubStore(schema: .mall)))
        }
    }

    func renumbered<Store: HubStore>(_ hub: HubEngine<Store>) throws {
        let first = Self.send([Self.passage(1, epoch: 1, seq: 1), Self.passage(2, epoch: 1, seq: 2)], to: hub)
        #expect(first.accepted == 2)
        // Under epoch 2: one the hub never had, stamped below the latest it
        // took (a node whose disk lost commits may go back a little), the
        // second change again, renumbered, and one stamped above them all.
        var between = Self.passage(2, epoch: 2, seq: 1)
        between.hlc = HybridTimestamp(wallMillis: Self.now + 1, counter: 1)
        between.key = "gp-gate-1-between"
        let again = Self.send([between, Self.passage(2, epoch: 2, seq: 2), Self.passage(3, epoch: 2, seq: 3)], to: hub)
        #expect(again.rejection == nil)
        #expect(again.duplicates == 1)
        #expect(again.accepted == 2)
        #expect(hub.lastSeq == 4)
        #expect(hub.highWater(origin: "gate-1", epoch: 2)?.seq == 3)
    }

    /// A store whose high-water marks were set before they kept their
    /// change's stamp (migration v4 gave them 0): the hub cannot tell from
    /// the stamp that a change is new, so it looks every one up by content.
    @Test func aStoreWhoseMarksPredateTheirStampsStillFindsRenumberedChanges() throws {
        let store = try Self.sqlite()
        let first = Self.send(
            [Self.passage(1, epoch: 1, seq: 1), Self.passage(2, epoch: 1, seq: 2)], to: try Self.hub(store))
        #expect(first.accepted == 2)
        try store.database.write { db in try db.execute(sql: "UPDATE high_waters SET hlc_wall = 0, hlc_counter = 0") }
        let restarted = try Self.hub(store)
        let again = Self.send([Self.passage(1, epoch: 2, seq: 1), Self.passage(2, epoch: 2, seq: 2)], to: restarted)
        #expect(again.rejection == nil)
        #expect(again.duplicates == 2)
        #expect(again.accepted == 0)
        #expect(restarted.lastSeq == 2)
    }
}

import Foundation
import GRDB
import MallDomain
import Storage
import SyncCore
import Testing

/// The hub drops event rows past their retention with their log payloads
/// and claims, and keeps what dedupe and younger decisions need.
@Suite struct HubRetentionTests {
    let day: UInt64 = 86_400_000
    let made: UInt64 = 1_800_000_000_000

    func redemption(_ seq: UInt64, code: String, at wall: UInt64) -> Change {
        Change(
            id: ChangeID(origin: "gift-1", epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: wall),
            table: "gift_redemptions", key: "gr-\(seq)", channel: Channel(mall: "m", kind: .gifts), op: .insert,
            columns: ["code_id": .text(code), "counter": .text("gift-1")])
    }

    @Test func expiredRedemptionsLeaveWithTheirClaimsAndPayloadsButNotTheirIds() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString).sqlite")
        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gift-1": .init(mall: "m", role: .gift)]),
            store: SQLiteHubStore(path: path.path, schema: .mall))
        let retain = try #require(SyncSchema.mall.tables["gift_redemptions"]?.retainMillis)
        let old = redemption(1, code: "gc-1", at: made)
        let young = redemption(2, code: "gc-1", at: made + 30 * day)
        let result = hub.receive(
            topic: Topics.node("gift-1", mall: "m", .up),
            message: .changes(ChangeBatch(node: "gift-1", sentAt: made, changes: [old, young])), now: made + 30 * day)
        #expect(result.rejection == nil && result.conflicts.count == 1)
        #expect(try hub.store.claimTally(kind: "gift.double-redemption", item: "gc-1").count == 2)

        #expect(try hub.store.dropExpired(now: made + retain) == 1)
        #expect(try hub.store.row(RowRef(table: "gift_redemptions", key: "gr-1")) == nil)
        #expect(try hub.store.row(RowRef(table: "gift_redemptions", key: "gr-2")) != nil)
        #expect(try hub.store.claimTally(kind: "gift.double-redemption", item: "gc-1").count == 1)
        // The id and hash stay: the same change sent again is a duplicate, not a new use.
        #expect(try hub.store.logged(old.id)?.hash == old.contentHash)
        #expect(
            try hub.store.entries(channel: old.channel, after: 0, limit: 10).map(\.change.key).contains("gr-1") == false
        )
        let again = hub.receive(
            topic: Topics.node("gift-1", mall: "m", .up),
            message: .changes(ChangeBatch(node: "gift-1", sentAt: made, changes: [old])), now: made + retain)
        #expect(again.duplicates == 1 && again.accepted == 0)
    }

    @Test func aRedemptionLeavesWithItsClaimAMonthAfterItsCodeLapsed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString).sqlite")
        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gift-1": .init(mall: "m", role: .gift)]),
            store: SQLiteHubStore(path: path.path, schema: .mall))
        let validTo = made + 100 * day
        var lapsing = redemption(1, code: "gc-1", at: made)
        lapsing.columns["valid_to"] = .int(Int64(validTo))
        // A second use of the code, from a node that does not say when it lapses.
        let undated = redemption(2, code: "gc-1", at: made + day)
        _ = hub.receive(
            topic: Topics.node("gift-1", mall: "m", .up),
            message: .changes(ChangeBatch(node: "gift-1", sentAt: made, changes: [lapsing, undated])), now: made + day)
        #expect(try hub.store.claimTally(kind: "gift.double-redemption", item: "gc-1").count == 2)

        #expect(try hub.store.dropExpired(now: validTo + 30 * day - 1) == 0)
        #expect(try hub.store.dropExpired(now: validTo + 30 * day) == 1)
        let left = try hub.store.claimTally(kind: "gift.double-redemption", item: "gc-1")
        #expect(left.count == 1 && left.earliest.map(\.rowKey) == ["gr-2"])
    }

    @Test func theHubRetiresAReservationAMonthAfterItsWindowAndTheDeleteTravels() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString).sqlite")
        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)]),
            store: SQLiteHubStore(path: path.path, schema: .mall))
        let windowEnd = made + day
        _ = try hub.write(
            [
                .insert("reservations", "r-ended", ["plate": .text("沪A12345"), "window_end": .int(Int64(windowEnd))]),
                .insert(
                    "reservations", "r-next",
                    ["plate": .text("沪A12346"), "window_end": .int(Int64(windowEnd + 40 * day))]),
                .insert("reservations", "r-open", ["plate": .text("沪A12347")]),
            ], mall: "m", now: made)
        // A month and a moment after the window, the next sweep deletes it, and only it.
        let out = try hub.tick(now: windowEnd + 30 * day)
        let deletes = out.flatMap { outgoing -> [Change] in
            guard case .batch(let batch) = outgoing.message else { return [] }
            return batch.entries.map(\.change).filter { $0.op == .delete }
        }
        #expect(deletes.map(\.key) == ["r-ended"])
        #expect(try hub.store.row(RowRef(table: "reservations", key: "r-ended"))?.state.isTombstone == true)
        #expect(try hub.store.row(RowRef(table: "reservations", key: "r-next"))?.state.isVisible == true)
        #expect(try hub.store.row(RowRef(table: "reservations", key: "r-open"))?.state.isVisible == true)
        // A later sweep finds nothing more to retire.
        #expect(try hub.store.rowsToRetire(now: windowEnd + 31 * day, limit: 10).isEmpty)
    }

    @Test func aRecordPrunedPastTheDedupeHorizonStillMakesALateResendADuplicate() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString).sqlite")
        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gift-1": .init(mall: "m", role: .gift)]),
            store: SQLiteHubStore(path: path.path, schema: .mall))
        let retain = try #require(SyncSchema.mall.tables["gift_redemptions"]?.retainMillis)
        let horizon = hub.configuration.dedupeHorizonMillis
        let old = redemption(1, code: "gc-1", at: made)
        let young = redemption(2, code: "gc-2", at: made + 30 * day)
        let up = Topics.node("gift-1", mall: "m", .up)
        _ = hub.receive(
            topic: up, message: .changes(ChangeBatch(node: "gift-1", sentAt: made, changes: [old, young])),
            now: made + 30 * day)
        let mark = try #require(hub.highWater(origin: "gift-1", epoch: 1))
        // The old redemption expires; its record outlives its payload by the horizon, then goes.
        _ = try hub.tick(now: made + retain)
        #expect(try hub.store.logged(old.id) != nil)
        _ = try hub.tick(now: made + retain + horizon)
        #expect(try hub.store.logged(old.id) == nil)
        #expect(try hub.store.logged(young.id) != nil)
        // Sent again that late (an ack lost, a node away for months), it is a duplicate,
        // acknowledged at the high-water mark: not an epoch reuse, not a new use.
        let again = hub.receive(
            topic: up, message: .changes(ChangeBatch(node: "gift-1", sentAt: made, changes: [old])),
            now: made + retain + horizon)
        #expect(again.rejection == nil && again.duplicates == 1 && again.accepted == 0)
        let acks = again.outgoing.compactMap { outgoing -> Ack? in
            if case .ack(let ack) = outgoing.message { ack } else { nil }
        }
        #expect(acks.flatMap(\.acks) == [AckEntry(epoch: 1, upTo: mark.seq, hash: mark.chain)])
        // A restart keeps what was pruned.
        let restarted = try HubEngine(
            configuration: hub.configuration, store: SQLiteHubStore(path: path.path, schema: .mall))
        #expect(
            restarted.receive(
                topic: up, message: .changes(ChangeBatch(node: "gift-1", sentAt: made, changes: [old])),
                now: made + retain + horizon
            ).duplicates == 1)
    }

    @Test func anAliasIsPrunedPastTheHorizonAndItsIdStaysADuplicate() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString).sqlite")
        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gift-1": .init(mall: "m", role: .gift)]),
            store: SQLiteHubStore(path: path.path, schema: .mall))
        let horizon = hub.configuration.dedupeHorizonMillis
        let up = Topics.node("gift-1", mall: "m", .up)
        let original = redemption(1, code: "gc-1", at: made)
        // The same change again under a new id (a node moving its epoch): an alias.
        var renumbered = original
        renumbered.id = ChangeID(origin: "gift-1", epoch: 2, seq: 1)
        _ = hub.receive(
            topic: up, message: .changes(ChangeBatch(node: "gift-1", sentAt: made, changes: [original])), now: made)
        let taken = hub.receive(
            topic: up, message: .changes(ChangeBatch(node: "gift-1", sentAt: made, changes: [renumbered])), now: made)
        #expect(taken.duplicates == 1)
        #expect(try hub.store.logged(renumbered.id) != nil)
        _ = try hub.tick(now: made)
        _ = try hub.tick(now: made + horizon)
        // The alias has gone; its record stays while its row lives.
        #expect(try hub.store.logged(renumbered.id) == nil)
        #expect(try hub.store.logged(original.id) != nil)
        let again = hub.receive(
            topic: up, message: .changes(ChangeBatch(node: "gift-1", sentAt: made, changes: [renumbered])),
            now: made + horizon)
        #expect(again.rejection == nil && again.duplicates == 1 && again.accepted == 0)
    }

    @Test func theAuditTrailOutlivesTheReplicatedRowsAndAnswersPerNode() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString).sqlite")
        let hub = try HubEngine(
            configuration: .init(
                schema: .mall,
                fleet: ["gate-1": .init(mall: "m", role: .gate), "gate-2": .init(mall: "m", role: .gate)]),
            store: SQLiteHubStore(path: path.path, schema: .mall))
        func entry(_ node: String, _ seq: UInt64, action: String, at wall: UInt64) -> Change {
            Change(
                id: ChangeID(origin: node, epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: wall),
                table: "audit_log", key: "au-\(node)-\(seq)", channel: Channel(mall: "m", kind: .audit), op: .insert,
                columns: [
                    "actor": .text("device:\(node)"), "action": .text(action), "target": .text("gp-\(seq)"),
                    "outcome": .text("admit"), "node": .text(node), "at": .int(Int64(wall)),
                ])
        }
        for (node, actions) in [("gate-1", ["gate.read", "gate.override"]), ("gate-2", ["gate.read"])] {
            let changes = actions.enumerated().map { entry(node, UInt64($0 + 1), action: $1, at: made + UInt64($0)) }
            _ = hub.receive(
                topic: Topics.node(node, mall: "m", .up),
                message: .changes(ChangeBatch(node: node, sentAt: made, changes: changes)), now: made)
        }
        #expect(try hub.store.auditTrail(about: "gate-1", limit: 10).map(\.action) == ["gate.override", "gate.read"])
        #expect(try hub.store.auditTrail(about: "gate-1", limit: 1).count == 1)
        #expect(try hub.store.auditTrail(about: "gate", limit: 10).isEmpty)
        // A month on, the replicated rows are gone; the trail keeps every entry two years.
        _ = try hub.store.dropExpired(now: made + 31 * day)
        #expect(try hub.store.rows(ofTable: "audit_log").isEmpty)
        #expect(try hub.store.auditTrail(about: "gate-2", limit: 10).map(\.node) == ["gate-2"])
        _ = try hub.store.dropExpired(now: made + 731 * day)
        #expect(try hub.store.auditTrail(about: "gate-1", limit: 10).isEmpty)
    }
}

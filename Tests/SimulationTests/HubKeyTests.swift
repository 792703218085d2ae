import MallDomain
import Simulation
import SyncCore
import Testing

/// Row keys at the hub, as an attacker review found them: a conflict row
/// under a key nodes refuse, a node writing another mall's row by its key,
/// a node taking another node's keys before it writes them.
@Suite struct HubKeyTests {
    func hub() throws -> HubEngine<MemoryHubStore> {
        try HubEngine(
            configuration: .init(
                schema: .mall,
                fleet: [
                    "gift-1": .init(mall: "m", role: .gift), "gate-1": .init(mall: "m", role: .gate),
                    "gate-2": .init(mall: "m", role: .gate), "lounge-1": .init(mall: "m", role: .lounge),
                    "lounge-9": .init(mall: "n", role: .lounge),
                ]),
            store: MemoryHubStore(schema: .mall))
    }

    func up(_ node: String, mall: String = "m") -> String { Topics.node(node, mall: mall, .up) }

    func change(
        _ node: String, seq: UInt64, table: String, key: String, channel: Channel, op: Change.Operation = .insert,
        _ columns: [String: Value]
    ) -> Change {
        Change(
            id: ChangeID(origin: node, epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: 1_000 + seq),
            table: table, key: key, channel: channel, op: op, columns: columns)
    }

    @Test(arguments: ["\u{1}", String(repeating: "x", count: 200)])
    func aConflictOverAnItemNoKeyCanHoldIsLoggedUnderADigestNodesAccept(item: String) throws {
        let hub = try hub()
        let gifts = Channel(mall: "m", kind: .gifts)
        let redemptions = (1...2).map {
            change(
                "gift-1", seq: UInt64($0), table: "gift_redemptions", key: "gr-gift-1-1-\($0)", channel: gifts,
                ["code_id": .text(item), "counter": .text("gift-1")])
        }
        let result = hub.receive(
            topic: up("gift-1"), message: .changes(ChangeBatch(node: "gift-1", sentAt: 0, changes: redemptions)),
            now: 2_000)
        #expect(result.rejection == nil)
        #expect(result.conflicts.count == 1)
        // Every message the hub sends for it passes a node's decoder.
        for outgoing in result.outgoing {
            let bytes = WireCodec(schema: .mall).encode(outgoing.message)
            #expect(throws: Never.self) { try WireCodec(schema: .mall).decode(bytes) }
        }
        let key = try #require(result.conflicts.first?.rowKey)
        #expect(key.hasPrefix("gift.double-redemption:h:"))
        #expect(try hub.store.row(RowRef(table: "conflicts", key: key)) != nil)
    }

    @Test func aNodeCannotReachAnotherMallsRowByItsKey() throws {
        let hub = try hub()
        // Given a visit of mall n, at the hub,
        let visitN = change(
            "lounge-9", seq: 1, table: "lounge_visits", key: "lv-lounge-9-1-1",
            channel: Channel(mall: "n", kind: .lounge),
            ["member_id": .text("m1"), "status": .text("open")])
        #expect(
            hub.receive(
                topic: up("lounge-9", mall: "n"),
                message: .changes(ChangeBatch(node: "lounge-9", sentAt: 0, changes: [visitN])), now: 2_000
            ).rejection == nil)
        // a lounge desk of mall m deleting it by its key is refused, and the visit stays.
        let delete = change(
            "lounge-1", seq: 1, table: "lounge_visits", key: "lv-lounge-9-1-1",
            channel: Channel(mall: "m", kind: .lounge),
            op: .delete, [:])
        let result = hub.receive(
            topic: up("lounge-1"), message: .changes(ChangeBatch(node: "lounge-1", sentAt: 0, changes: [delete])),
            now: 2_000)
        #expect(result.rejection?.code == .unauthorized)
        #expect(try hub.store.row(RowRef(table: "lounge_visits", key: "lv-lounge-9-1-1"))?.state.isVisible == true)
    }

    /// A change refused for naming another channel's row is not taken: no
    /// ack and no high water name it, so the node is not told to drop it and
    /// the same change sent again is refused the same way, not taken for an
    /// epoch reused under a change the hub never logged.
    @Test func aChangeToAnotherChannelsRowIsNeitherAcknowledgedNorCounted() throws {
        let hub = try hub()
        let visitN = change(
            "lounge-9", seq: 1, table: "lounge_visits", key: "lv-lounge-9-1-1",
            channel: Channel(mall: "n", kind: .lounge), ["member_id": .text("m1"), "status": .text("open")])
        _ = hub.receive(
            topic: up("lounge-9", mall: "n"),
            message: .changes(ChangeBatch(node: "lounge-9", sentAt: 0, changes: [visitN])), now: 2_000)
        let lounge = Channel(mall: "m", kind: .lounge)
        let own = change(
            "lounge-1", seq: 1, table: "lounge_visits", key: "lv-lounge-1-1-1", channel: lounge,
            ["member_id": .text("m2"), "status": .text("open")])
        let foreign = change(
            "lounge-1", seq: 2, table: "lounge_visits", key: "lv-lounge-9-1-1", channel: lounge, op: .delete, [:])
        let first = hub.receive(
            topic: up("lounge-1"),
            message: .changes(ChangeBatch(node: "lounge-1", sentAt: 0, changes: [own, foreign])), now: 2_000)
        #expect(first.rejection?.code == .unauthorized)
        #expect(acknowledged(first) == [1])
        #expect(hub.highWater(origin: "lounge-1", epoch: 1)?.seq == 1)

        // Sent again, first in its batch or alone, with a change after it:
        // refused the same way, and the change after it is not taken either.
        let after = change(
            "lounge-1", seq: 3, table: "lounge_visits", key: "lv-lounge-1-1-3", channel: lounge,
            ["member_id": .text("m3"), "status": .text("open")])
        for batch in [[foreign, after], [foreign]] {
            let again = hub.receive(
                topic: up("lounge-1"), message: .changes(ChangeBatch(node: "lounge-1", sentAt: 0, changes: batch)),
                now: 2_100)
            #expect(again.rejection?.code == .unauthorized)
            #expect(acknowledged(again).isEmpty)
        }
        #expect(hub.highWater(origin: "lounge-1", epoch: 1)?.seq == 1)
        #expect(try hub.store.row(RowRef(table: "lounge_visits", key: "lv-lounge-1-1-3")) == nil)
        #expect(try hub.store.row(RowRef(table: "lounge_visits", key: "lv-lounge-9-1-1"))?.state.isVisible == true)
    }

    /// The highest seq each ack of `result` names.
    func acknowledged(_ result: HubEngine<MemoryHubStore>.Result) -> [UInt64] {
        result.outgoing.flatMap { outgoing -> [UInt64] in
            guard case .ack(let ack) = outgoing.message else { return [] }
            return ack.acks.map(\.upTo)
        }
    }

    /// One fleet id can begin another's (`g1`, `g1-2`): each node's own
    /// keys are taken, including g1's of epoch 2, which read like a key
    /// of `g1-2`; the other's are refused either way.
    @Test(arguments: [
        ("g1", "gp-g1-2-5", true), ("g1", "gp-g1-1-1", true), ("g1-2", "gp-g1-2-1-1", true),
        ("g1-2", "gp-g1-2-5", false), ("g1", "gp-g1-2-1-1", false), ("g1-2", "gp-g1-7-3", false),
    ])
    func aNodeWhoseIdBeginsAnothersKeepsItsKeysAndCannotTakeTheOthers(node: String, key: String, taken: Bool)
        throws
    {
        let hub = try HubEngine(
            configuration: .init(
                schema: .mall, fleet: ["g1": .init(mall: "m", role: .gate), "g1-2": .init(mall: "m", role: .gate)]),
            store: MemoryHubStore(schema: .mall))
        let passage = change(
            node, seq: 1, table: "gate_passages", key: key, channel: Channel(mall: "m", kind: .parking),
            ["lane": .text("n"), "decision": .text("deny")])
        let result = hub.receive(
            topic: up(node), message: .changes(ChangeBatch(node: node, sentAt: 0, changes: [passage])), now: 2_000)
        #expect((result.rejection == nil) == taken, "\(result.rejection.map { "\($0)" } ?? "taken")")
        #expect((try hub.store.row(RowRef(table: "gate_passages", key: key)) != nil) == taken)
    }

    /// Keys that name another node (or the hub) are refused; gate-1's own,
    /// and keys naming no fleet node, are taken.
    @Test(arguments: [
        ("gp-gate-2-1-1", false), ("gp-gate-2-x", false), ("au-hub-1", false), ("gp-gate-2-7-3", false),
        ("gp-gate-1-1-1", true), ("p1", true), ("gp-gate-10-1", true), ("x-gate-1", true),
    ])
    func aNodeCannotTakeAnotherNodesKeysFirst(key: String, taken: Bool) throws {
        let hub = try hub()
        let insert = change(
            "gate-1", seq: 1, table: "gate_passages", key: key, channel: Channel(mall: "m", kind: .parking),
            ["lane": .text("n")])
        let result = hub.receive(
            topic: up("gate-1"), message: .changes(ChangeBatch(node: "gate-1", sentAt: 0, changes: [insert])),
            now: 2_000
        )
        #expect(result.rejection?.code == (taken ? nil : .unauthorized))
        #expect(try (hub.store.row(RowRef(table: "gate_passages", key: key)) != nil) == taken)
    }
}

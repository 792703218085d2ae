import Simulation
import SyncCore
import Testing

/// Bad input at the hub: refused with a reason, counted, and nothing changes.
@Suite struct HubValidationTests {
    let mall = "m"
    let parking = Channel(mall: "m", kind: .parking)

    func hub() throws -> HubEngine<MemoryHubStore> {
        try HubEngine(
            configuration: .init(fleet: [
                "gate-1": .init(mall: "m", role: .gate), "gift-1": .init(mall: "m", role: .gift),
            ]),
            store: MemoryHubStore())
    }

    func passage(origin: String = "gate-1", seq: UInt64 = 1, table: String = "gate_passages") -> Change {
        Change(
            id: ChangeID(origin: origin, epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: 5), table: table,
            key: "p-\(seq)", channel: parking, op: .insert, columns: ["direction": .text("in")])
    }

    func up(_ node: String) -> String { Topics.node(node, mall: mall, .up) }

    @Test func acceptsAnHonestBatchAndAcksAfterCommit() throws {
        let hub = try hub()
        let result = hub.receive(
            topic: up("gate-1"), message: .changes(ChangeBatch(node: "gate-1", sentAt: 0, changes: [passage()])), now: 0
        )
        #expect(result.rejection == nil)
        #expect(result.storeFailure == nil)
        #expect(result.accepted == 1)
        #expect(hub.store.log.count == 1)
        #expect(result.outgoing.contains { if case .ack = $0.message { true } else { false } })
    }

    @Test func refusesAChangeWhoseOriginIsNotTheSender() throws {
        let hub = try hub()
        let forged = ChangeBatch(node: "gift-1", sentAt: 0, changes: [passage(origin: "gate-1")])
        let result = hub.receive(topic: up("gift-1"), message: .changes(forged), now: 0)
        #expect(result.rejection?.code == .forgedOrigin)
        #expect(hub.store.log.isEmpty)
        #expect(hub.rejections[.forgedOrigin] == 1)
    }

    @Test func refusesAMessageNamingAnotherNodeThanItsTopic() throws {
        let hub = try hub()
        let result = hub.receive(
            topic: up("gift-1"), message: .changes(ChangeBatch(node: "gate-1", sentAt: 0, changes: [passage()])), now: 0
        )
        #expect(result.rejection?.code == .forgedOrigin)
        #expect(hub.store.log.isEmpty)
    }

    @Test func refusesATableTheRoleMayNotWrite() throws {
        let hub = try hub()
        let members = Change(
            id: ChangeID(origin: "gate-1", epoch: 1, seq: 1), hlc: .zero, table: "members", key: "m-1",
            channel: Channel(mall: "m", kind: .members), op: .insert, columns: ["tier": .text("svip")])
        let result = hub.receive(
            topic: up("gate-1"), message: .changes(ChangeBatch(node: "gate-1", sentAt: 0, changes: [members])), now: 0)
        #expect(result.rejection?.code == .unauthorized)
        #expect(hub.store.log.isEmpty)
    }

    @Test func refusesNodesOutsideTheFleetAndMalformedPayloads() throws {
        let hub = try hub()
        #expect(
            hub.receive(topic: up("stranger"), message: .death(Death(node: "stranger", epoch: 1)), now: 0).rejection?
                .code == .unauthorized)
        #expect(
            hub.receive(topic: up("gate-1"), payload: Array("{\"v\":1,\"type\":".utf8), now: 0).rejection?.code
                == .malformed)
        #expect(
            hub.receive(topic: up("gate-1"), payload: Array("{\"v\":7,\"type\":\"birth\"}".utf8), now: 0).rejection?
                .code == .unsupportedVersion)
        #expect(
            hub.receive(topic: up("gate-1"), payload: [UInt8](repeating: 0x20, count: (1 << 20) + 1), now: 0).rejection?
                .code == .tooLarge)
        #expect(hub.store.log.isEmpty)
    }

    @Test func aDuplicateIsAckedAgainButLoggedOnce() throws {
        let hub = try hub()
        let batch = WireMessage.changes(
            ChangeBatch(node: "gate-1", sentAt: 0, changes: [passage(seq: 1), passage(seq: 2)]))
        _ = hub.receive(topic: up("gate-1"), message: batch, now: 0)
        let again = hub.receive(topic: up("gate-1"), message: batch, now: 1)
        #expect(again.duplicates == 2)
        #expect(hub.store.log.count == 2)
    }

    @Test func aGapIsNotAcceptedUntilFilled() throws {
        let hub = try hub()
        let late = hub.receive(
            topic: up("gate-1"), message: .changes(ChangeBatch(node: "gate-1", sentAt: 0, changes: [passage(seq: 2)])),
            now: 0)
        #expect(late.accepted == 0)
        #expect(hub.store.log.isEmpty)
    }

    @Test func aReusedEpochIsDetectedByItsHash() throws {
        let hub = try hub()
        _ = hub.receive(
            topic: up("gate-1"), message: .changes(ChangeBatch(node: "gate-1", sentAt: 0, changes: [passage(seq: 1)])),
            now: 0)
        // Given a node whose disk rolled back its epoch bump, when it sends a
        // different change under the same id, then the hub tells it to move on.
        var other = passage(seq: 1)
        other.columns["direction"] = .text("out")
        let result = hub.receive(
            topic: up("gate-1"), message: .changes(ChangeBatch(node: "gate-1", sentAt: 0, changes: [other])), now: 1)
        #expect(result.rejection?.code == .epochReuse)
        #expect(hub.store.log.count == 1)
        let control = result.outgoing.compactMap { if case .control(let c) = $0.message { c } else { nil } }.first
        #expect(control?.command == .epochSuperseded)
        #expect(control?.minEpoch == 2)
    }

    @Test func aDoubleRedemptionBecomesAConflictWonByTheEarliest() throws {
        let hub = try hub()
        let gifts = Channel(mall: "m", kind: .gifts)
        func redemption(_ node: String, wall: UInt64) -> WireMessage {
            .changes(
                ChangeBatch(
                    node: node, sentAt: 0,
                    changes: [
                        Change(
                            id: ChangeID(origin: node, epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: wall),
                            table: "gift_redemptions", key: "x-\(node)", channel: gifts, op: .insert,
                            columns: ["code_id": .text("g-1")])
                    ]))
        }
        let fleet = try HubEngine(
            configuration: .init(fleet: [
                "gift-1": .init(mall: "m", role: .gift), "gift-2": .init(mall: "m", role: .gift),
            ]),
            store: MemoryHubStore())
        _ = hub
        _ = fleet.receive(topic: up("gift-2"), message: redemption("gift-2", wall: 200), now: 0)
        let second = fleet.receive(topic: up("gift-1"), message: redemption("gift-1", wall: 100), now: 0)
        #expect(second.conflicts.first?.winner.rowKey == "x-gift-1")
        let row = try #require(try fleet.store.row(RowRef(table: "conflicts", key: "gift.double-redemption:g-1")))
        #expect(row.state.cells["winner"]?.value == .text("x-gift-1"))
        #expect(row.channel == gifts)
    }
}

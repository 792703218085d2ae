import MallDomain
import Simulation
import SyncCore
import Testing

/// Bad input at the hub: refused with a reason, counted, and nothing changes.
@Suite struct HubValidationTests {
    let mall = "m"
    let parking = Channel(mall: "m", kind: .parking)

    func hub() throws -> HubEngine<MemoryHubStore> {
        try HubEngine(
            configuration: .init(
                schema: .mall,
                fleet: [
                    "gate-1": .init(mall: "m", role: .gate), "gift-1": .init(mall: "m", role: .gift),
                ]),
            store: MemoryHubStore(schema: .mall))
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
                            columns: ["code_id": .text("g-1"), "counter": .text(node)])
                    ]))
        }
        let fleet = try HubEngine(
            configuration: .init(
                schema: .mall,
                fleet: [
                    "gift-1": .init(mall: "m", role: .gift), "gift-2": .init(mall: "m", role: .gift),
                ]),
            store: MemoryHubStore(schema: .mall))
        _ = hub
        _ = fleet.receive(topic: up("gift-2"), message: redemption("gift-2", wall: 200), now: 0)
        let second = fleet.receive(topic: up("gift-1"), message: redemption("gift-1", wall: 100), now: 0)
        #expect(second.conflicts.first?.winner.rowKey == "x-gift-1")
        let row = try #require(try fleet.store.row(RowRef(table: "conflicts", key: "gift.double-redemption:g-1")))
        #expect(row.state.cells["winner"]?.value == .text("x-gift-1"))
        #expect(row.channel == gifts)
    }

    // MARK: Numbers a stolen node may send

    /// A `changes` payload from gate-1 with `epoch` and `wall` spliced in as
    /// raw JSON numbers (some do not fit Int64).
    func rawChanges(
        epoch: String = "1", seq: String = "1", wall: String = "5", table: String = "gate_passages",
        columns: String = #"{"lane":"n1"}"#
    ) -> [UInt8] {
        Array(
            """
            {"v":1,"type":"changes","node":"gate-1","sentAt":5,"changes":[{"id":{"origin":"gate-1","epoch":\(epoch),\
            "seq":\(seq)},"hlc":[\(wall),0],"table":"\(table)","key":"p-1","channel":"m/parking","op":"insert",\
            "columns":\(columns)}]}
            """.utf8)
    }

    @Test(arguments: ["9223372036854775808", "18446744073709551615", "9007199254740992"])
    func anEpochAboveTwoToThe53IsInvalidAndChangesNothing(epoch: String) throws {
        let hub = try hub()
        let result = hub.receive(topic: up("gate-1"), payload: rawChanges(epoch: epoch), now: 0)
        #expect(result.rejection?.code == .invalid)
        #expect(hub.store.log.isEmpty)
        #expect(hub.receive(topic: up("gate-1"), payload: rawChanges(seq: epoch), now: 0).rejection?.code == .invalid)
    }

    @Test func aBirthAtTheTopOfUInt64ThenAReusedIdNeitherTrapsNorMovesTheEpoch() throws {
        let hub = try hub()
        let birth = Array(
            #"{"v":1,"type":"birth","node":"gate-1","mall":"m","role":"gate","epoch":18446744073709551615,"sentAt":5,"cursors":[],"software":"x"}"#
                .utf8)
        #expect(
            hub.receive(topic: Topics.node("gate-1", mall: mall, .birth), payload: birth, now: 0).rejection?.code
                == .invalid)
        _ = hub.receive(topic: up("gate-1"), payload: rawChanges(), now: 0)
        let reused = hub.receive(
            topic: up("gate-1"), payload: rawChanges(columns: #"{"lane":"n2"}"#), now: 1)
        #expect(reused.rejection?.code == .epochReuse)
        let control = reused.outgoing.compactMap { if case .control(let c) = $0.message { c } else { nil } }.first
        #expect(control?.minEpoch == 2)
    }

    @Test func anUpdateStampedFarAheadIsRefusedAndCannotWinLaterWrites() throws {
        let hub = try hub()
        let now: UInt64 = 1_800_000_000_000
        let result = hub.receive(topic: up("gate-1"), payload: rawChanges(wall: String(UInt64(1) << 52)), now: now)
        #expect(result.rejection?.code == .clockOutOfBounds)
        #expect(hub.store.log.isEmpty)
        #expect(hub.rejections[.clockOutOfBounds] == 1)
    }

    /// Below the change before it in its epoch: a node whose disk lost that
    /// change came back to the epoch (§8.3.1), or a lying one. Either way
    /// nothing is taken and the node moves to a new epoch, where the bound
    /// across epochs still holds.
    @Test func aChangeBackDatedBelowItsEpochMovesItsNodeToANewEpoch() throws {
        let hub = try hub()
        let now: UInt64 = 1_800_000_000_000
        #expect(hub.receive(topic: up("gate-1"), payload: rawChanges(wall: String(now)), now: now).accepted == 1)
        let backDated = hub.receive(topic: up("gate-1"), payload: rawChanges(seq: "2", wall: "1"), now: now)
        #expect(backDated.rejection?.code == .epochReuse)
        let control = backDated.outgoing.compactMap { if case .control(let c) = $0.message { c } else { nil } }.first
        #expect(control?.command == .epochSuperseded && control?.minEpoch == 2)
        #expect(hub.store.log.count == 1)
        let dayBack = hub.receive(
            topic: up("gate-1"), payload: rawChanges(epoch: "2", wall: String(now - 86_400_000)), now: now)
        #expect(dayBack.rejection?.code == .clockOutOfBounds)
        let minuteBack = hub.receive(
            topic: up("gate-1"), payload: rawChanges(epoch: "2", wall: String(now - 60_000)), now: now)
        #expect(
            minuteBack.rejection == nil
                && minuteBack.outgoing.contains { if case .ack = $0.message { true } else { false } })
    }

    func loungeHub() throws -> HubEngine<MemoryHubStore> {
        try HubEngine(
            configuration: .init(schema: .mall, fleet: ["lounge-1": .init(mall: "m", role: .lounge)]),
            store: MemoryHubStore(schema: .mall))
    }

    /// lounge-1's check-in (insert) or check-out (update) of visit `key` at `wall`.
    static func loungeVisit(
        _ epoch: UInt64, _ seq: UInt64, _ key: String, _ op: Change.Operation, at wall: UInt64
    ) -> Change {
        let columns: [String: Value] =
            op == .insert
            ? [
                "member_id": .text("m-1"), "guests": .int(1), "checked_in_at": .int(Int64(wall)),
                "status": .text("open"),
            ]
            : ["status": .text("closed"), "checked_out_at": .int(Int64(wall))]
        return Change(
            id: ChangeID(origin: "lounge-1", epoch: epoch, seq: seq), hlc: HybridTimestamp(wallMillis: wall),
            table: "lounge_visits", key: key, channel: Channel(mall: "m", kind: .lounge), op: op, columns: columns)
    }

    /// The run that reused an epoch goes on past the hub's high-water mark:
    /// its next change, numbered `hw + 1` and stamped above the change at
    /// `hw`, looks like the epoch's own next one. It is refused as the rest
    /// of that run was, so that after the node's move it is taken after the
    /// insert it follows, not judged without it ("never inserted", not
    /// applied) and then recognised by content as already judged.
    @Test func aReusedEpochsLaterChangesAreRefusedUntilTheNodeMovesThem() throws {
        let hub = try loungeHub()
        let now: UInt64 = 1_800_000_000_000
        func visit(_ epoch: UInt64, _ seq: UInt64, _ key: String, _ op: Change.Operation, at wall: UInt64) -> Change {
            Self.loungeVisit(epoch, seq, key, op, at: wall)
        }
        func send(_ changes: [Change]) -> HubEngine<MemoryHubStore>.Result {
            hub.receive(
                topic: up("lounge-1"), message: .changes(ChangeBatch(node: "lounge-1", sentAt: now, changes: changes)),
                now: now)
        }
        // The first run's change 1/1, taken; then the node's disk forgets it.
        #expect(send([visit(1, 1, "v-1", .insert, at: now - 20_000)]).accepted == 1)
        // The second run's 1/1 is another change under a taken id.
        let reused = send([visit(1, 1, "v-2", .insert, at: now - 10_000)])
        #expect(reused.rejection?.code == .epochReuse)
        // Its 1/2, sent before the node heard, follows the hub's high water.
        let after = send([visit(1, 2, "v-2", .update, at: now - 5_000)])
        #expect(after.rejection?.code == .epochReuse && after.accepted == 0 && after.notApplied.isEmpty)
        #expect(!after.outgoing.contains { if case .ack = $0.message { true } else { false } })
        #expect(hub.store.log.count == 1)
        // Moved into epoch 2, the run is taken in order: the insert, then its update.
        let moved = send([visit(2, 1, "v-2", .insert, at: now - 10_000), visit(2, 2, "v-2", .update, at: now - 5_000)])
        #expect(moved.rejection == nil && moved.accepted == 2 && moved.notApplied.isEmpty)
        let row = try #require(try hub.store.row(RowRef(table: "lounge_visits", key: "v-2")))
        #expect(row.state.cells["status"]?.value == .text("closed"))
    }

    /// Simulator seed 6302: a node's disk rolls back into an epoch the hub
    /// holds, the new run's first changes are lost in transit, and its next
    /// one arrives first, numbered `hw + 1` and stamped above the change at
    /// `hw`. Only the chain before it tells it from the old run's next.
    @Test func aChangeAfterAnotherRunsChainIsAnEpochReuse() throws {
        let hub = try loungeHub()
        let now: UInt64 = 1_800_000_000_000
        func visit(_ seq: UInt64, _ key: String, _ op: Change.Operation, at wall: UInt64) -> Change {
            Self.loungeVisit(1, seq, key, op, at: wall)
        }
        func send(_ changes: [Change], after previous: [Change]) -> HubEngine<MemoryHubStore>.Result {
            let chain = previous.reduce("") { SequenceChain.next(after: $0, contentHash: $1.contentHash) }
            let batch = ChangeBatch(node: "lounge-1", sentAt: now, changes: changes, chainBefore: chain)
            return hub.receive(topic: up("lounge-1"), message: .changes(batch), now: now)
        }
        let firstRun = [visit(1, "v-1", .insert, at: now - 30_000), visit(2, "v-1", .update, at: now - 25_000)]
        #expect(send([firstRun[0]], after: []).accepted == 1)
        // The same run goes on: its chain is the hub's.
        #expect(send([firstRun[1]], after: [firstRun[0]]).accepted == 1)
        // The second run's 1/1 and 1/2 are lost on the way; its 1/3, an
        // update of the row its 1/2 inserted, arrives first.
        let secondRun = [
            visit(1, "v-0", .insert, at: now - 20_000), visit(2, "v-2", .insert, at: now - 15_000),
            visit(3, "v-2", .update, at: now - 10_000),
        ]
        let third = send([secondRun[2]], after: Array(secondRun[..<2]))
        #expect(third.rejection?.code == .epochReuse && third.accepted == 0 && third.notApplied.isEmpty)
        #expect(!third.outgoing.contains { if case .ack = $0.message { true } else { false } })
        #expect(
            third.outgoing.contains {
                if case .control(let control) = $0.message {
                    control.epoch == 1 && control.minEpoch == 2
                } else {
                    false
                }
            })
        #expect(hub.store.log.count == 2)
    }

    @Test(arguments: [
        ("reservations", #"{"window_start":-9223372036854775808}"#),
        ("reservations", #"{"window_end":9223372036854775807}"#), ("reservations", #"{"window_end":-1}"#),
        ("gate_passages", #"{"confidence":-1}"#), ("gate_passages", #"{"confidence":1001}"#),
        ("gate_passages", #"{"at":9007199254740992}"#),
    ])
    func aValueOutsideItsColumnsRangeIsInvalid(table: String, columns: String) throws {
        let hub = try hub()
        let result = hub.receive(topic: up("gate-1"), payload: rawChanges(table: table, columns: columns), now: 0)
        #expect([.invalid, .malformed].contains(result.rejection?.code))
        #expect(hub.store.log.isEmpty)
    }

    // MARK: Rights by operation

    func change(
        _ origin: String, seq: UInt64 = 1, _ table: String, _ key: String, _ op: Change.Operation,
        _ columns: [String: Value] = [:], kind: Channel.Kind = .parking
    ) -> WireMessage {
        .changes(
            ChangeBatch(
                node: origin, sentAt: 0,
                changes: [
                    Change(
                        id: ChangeID(origin: origin, epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: 10 + seq),
                        table: table, key: key, channel: Channel(mall: mall, kind: kind), op: op, columns: columns)
                ]))
    }

    /// A hub holding reservation r-1 in `status`, written by the hub itself.
    func hubWithReservation(status: String) throws -> HubEngine<MemoryHubStore> {
        let hub = try hub()
        _ = try hub.write(
            [.insert("reservations", "r-1", ["plate": .text("皖A12345"), "status": .text(status)])], mall: mall, now: 5)
        return hub
    }

    @Test func writesBeyondARolesRightsAreRefusedWhole() throws {
        let hub = try hubWithReservation(status: "booked")
        let attempts: [(String, WireMessage)] = [
            ("gate-1", change("gate-1", "reservations", "r-fake", .insert, ["status": .text("booked")])),
            ("gate-1", change("gate-1", "reservations", "r-1", .delete)),
            ("gate-1", change("gate-1", "reservations", "r-1", .update, ["status": .text("cancelled")])),
            ("gate-1", change("gate-1", "reservations", "r-1", .update, ["window_end": .int(1)])),
            ("gate-1", change("gate-1", "gate_passages", "p-1", .delete)),
            (
                "gate-1",
                change(
                    "gate-1", "audit_log", "a-1", .insert, ["node": .text("gift-1"), "actor": .text("m")], kind: .audit)
            ),
            ("gate-1", change("gate-1", "audit_log", "a-2", .insert, ["actor": .text("m")], kind: .audit)),
            ("gift-1", change("gift-1", "gift_revocations", "gc-1", .insert, ["code_id": .text("gc-1")], kind: .gifts)),
            (
                "gift-1",
                change("gift-1", "gift_redemptions", "x-1", .insert, ["counter": .text("gift-2")], kind: .gifts)
            ),
            ("gift-1", change("gift-1", "gift_codes", "gc-1", .insert, ["gift": .text("tea")], kind: .gifts)),
        ]
        for (node, message) in attempts {
            let result = hub.receive(topic: up(node), message: message, now: 20)
            // (A delete of an event is already outside the schema: invalid.)
            #expect([.unauthorized, .invalid].contains(result.rejection?.code), "\(message)")
            #expect(result.outgoing.isEmpty)
        }
        #expect((hub.rejections[.unauthorized] ?? 0) + (hub.rejections[.invalid] ?? 0) == attempts.count)
        #expect(hub.store.log.count == 1)
        #expect(try hub.store.row(RowRef(table: "reservations", key: "r-1"))?.state.values["status"] == .text("booked"))
    }

    @Test func aGateAdmittingOnABookingCancelledAtTheHubIsTakenNotAppliedAndCorrected() throws {
        // Given a booking the hub cancelled while the gate, offline, admitted its car,
        let hub = try hubWithReservation(status: "cancelled")
        let admitted = hub.receive(
            topic: up("gate-1"),
            message: change("gate-1", "reservations", "r-1", .update, ["status": .text("inside")]), now: 20)
        // then the hub takes the change (the gate's outbox moves on) without applying it,
        #expect(admitted.rejection == nil)
        #expect(admitted.notApplied.count == 1)
        #expect(admitted.outgoing.contains { if case .ack = $0.message { true } else { false } })
        let row = try #require(try hub.store.row(RowRef(table: "reservations", key: "r-1")))
        #expect(row.state.values["status"] == .text("cancelled"))
        // records why in the ledger,
        let ledger = try #require(try hub.store.row(RowRef(table: "conflicts", key: "write.not-applied:gate-1/1/1")))
        #expect(ledger.state.values["kind"] == .text("write.not-applied"))
        #expect(ledger.state.values["item"] == .text("reservations/r-1"))
        // and sends the gate a correction stamped above its change.
        let correction = try #require(
            hub.store.log.map(\.entry.change).last {
                $0.table == "reservations" && $0.id.origin == "hub" && $0.op == .update
            })
        #expect(correction.columns["status"] == .text("cancelled"))
        #expect(correction.hlc > HybridTimestamp(wallMillis: 11))
        // Sent again, it is a duplicate.
        let again = hub.receive(
            topic: up("gate-1"),
            message: change("gate-1", "reservations", "r-1", .update, ["status": .text("inside")]), now: 21)
        #expect(again.duplicates == 1)
        #expect(again.notApplied.isEmpty)
    }

    @Test func anInsertOverAnExistingEventIsTakenWithoutACorrectionNodesWouldRefuse() throws {
        // Given a passage the hub holds,
        let hub = try hub()
        _ = try hub.write(
            [.insert("gate_passages", "p-x", ["lane": .text("n1"), "direction": .text("in")])], mall: mall, now: 5)
        // when a gate inserts over it (its key names another node: a stolen gate),
        let result = hub.receive(
            topic: up("gate-1"),
            message: change("gate-1", "gate_passages", "p-x", .insert, ["lane": .text("forged")]), now: 20)
        // then it is taken without being applied, the event is unchanged,
        #expect(result.notApplied.count == 1)
        let row = try #require(try hub.store.row(RowRef(table: "gate_passages", key: "p-x")))
        #expect(row.state.values["lane"] == .text("n1"))
        // and nothing the hub logged is a change a node would refuse (an event is never updated).
        for record in hub.store.log {
            #expect(SyncSchema.mall.violation(of: record.entry.change) == nil, "\(record.entry.change)")
        }
    }
}

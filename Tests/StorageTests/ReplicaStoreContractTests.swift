import Foundation
import MallDomain
import Simulation
import Storage
import SyncCore
import Testing

/// The contract every `ReplicaStore` must meet, run against the SQLite
/// replica and the simulator's in-memory store alike.
@Suite struct ReplicaStoreContractTests {
    enum Kind: String, CaseIterable, Sendable { case sqlite, memory }

    static func makeStore(_ kind: Kind) throws -> any ReplicaStore {
        switch kind {
        case .sqlite: try SQLiteReplica(path: ":memory:", schema: .mall)
        case .memory: MemoryReplicaStore(schema: .mall)
        }
    }

    static let channel = Channel(mall: "m", kind: .parking)

    static func change(
        _ seq: UInt64, epoch: UInt64 = 1, key: String = "r-1", op: Change.Operation = .insert, status: String = "booked"
    )
        -> Change
    {
        Change(
            id: ChangeID(origin: "gate-1", epoch: epoch, seq: seq), hlc: HybridTimestamp(wallMillis: 1000 + seq),
            table: "reservations", key: key, channel: channel, op: op,
            columns: op == .delete ? [:] : ["status": .text(status)])
    }

    @Test(arguments: Kind.allCases)
    func everyStartBumpsTheEpoch(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        #expect(try store.start(minimumEpoch: 1).epoch == 1)
        #expect(try store.start(minimumEpoch: 1).epoch == 2)
        #expect(try store.start(minimumEpoch: 9).epoch == 9)
    }

    @Test(arguments: Kind.allCases)
    func aHeldSchemaIsRecordedAndARestartForgetsOnlyThatCursor(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        let lounge = Channel(mall: "m", kind: .lounge)
        _ = try store.start(minimumEpoch: 1)
        try store.applyRemote(channel: Self.channel, entries: [], upTo: 7, clock: .zero)
        try store.applyRemote(channel: lounge, entries: [], upTo: 9, clock: .zero)
        try store.holdSchema("a", of: Self.channel, restart: false)
        try store.holdSchema("b", of: lounge, restart: false)
        #expect(try store.start(minimumEpoch: 1).heldSchemas == [Self.channel: "a", lounge: "b"])
        try store.holdSchema("c", of: Self.channel, restart: true)
        let start = try store.start(minimumEpoch: 1)
        #expect(start.heldSchemas == [Self.channel: "c", lounge: "b"])
        #expect(start.cursors == [lounge: 9])
    }

    @Test(arguments: Kind.allCases)
    func aLocalCommitIsMadeFromTheRowsItNamesAsTheyStand(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        try store.commitLocal(
            [Self.change(1, key: "r-1"), Self.change(2, key: "r-2", status: "inside")], clock: .zero)
        let refs: [RowRef] = ["r-1", "r-2", "r-3"].map { RowRef(table: "reservations", key: $0) }
        for wanted in [Set(refs), [refs[1]], [refs[2]], []] {
            var seen: [RowRef: RowState]?
            try store.commitLocal(reading: wanted) { rows in
                seen = rows
                return LocalCommit(changes: [], clock: .zero)
            }
            #expect(Set(seen?.keys ?? [:].keys) == wanted.filter { $0.key != "r-3" })
            for ref in wanted { #expect(seen?[ref] == (try store.row(ref))) }
        }
        // What one commit leaves is what the next one reads.
        try store.commitLocal(reading: [refs[0]]) { _ in
            LocalCommit(changes: [Self.change(3, key: "r-1", op: .update, status: "inside")], clock: .zero)
        }
        var after: [RowRef: RowState] = [:]
        try store.commitLocal(reading: [refs[0]]) { rows in
            after = rows
            return LocalCommit(changes: [], clock: .zero)
        }
        #expect(after[refs[0]] == (try store.row(refs[0])))
        #expect(after[refs[0]]?.cells["status"]?.value == .text("inside"))
    }

    @Test(arguments: Kind.allCases)
    func aLocalCommitWhoseChangesCannotBeMadeWritesNothing(kind: Kind) throws {
        struct Refused: Error {}
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        try store.commitLocal([Self.change(1, key: "r-1")], clock: .zero)
        let ref = RowRef(table: "reservations", key: "r-1")
        let before = try store.row(ref)
        #expect(throws: Refused.self) {
            try store.commitLocal(reading: [ref]) { _ in throw Refused() }
        }
        #expect(try store.row(ref) == before)
        #expect(try store.outbox(after: nil, limit: 10).map(\.id.seq) == [1])
        #expect(try store.start(minimumEpoch: 1).lastCreated == Self.change(1, key: "r-1").id)
    }

    @Test(arguments: Kind.allCases)
    func localCommitsAreVisibleAndQueuedInOrder(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        try store.commitLocal([Self.change(1), Self.change(2, key: "r-2")], clock: HybridTimestamp(wallMillis: 1002))
        #expect(try store.row(RowRef(table: "reservations", key: "r-2"))?.isVisible == true)
        #expect(try store.outbox(after: nil, limit: 10).map(\.id.seq) == [1, 2])
        #expect(try store.outbox(after: Self.change(1).id, limit: 10).map(\.id.seq) == [2])
        #expect(try store.outboxStatus().depth == 2)
        #expect(try store.start(minimumEpoch: 1).lastCreated == Self.change(2, key: "r-2").id)
    }

    @Test(arguments: Kind.allCases)
    func anAckPrunesOnlyWhenItsHashMatches(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        let changes = [Self.change(1), Self.change(2), Self.change(3)]
        try store.commitLocal(changes, clock: .zero)
        let chain1 = SequenceChain.next(after: "", contentHash: changes[0].contentHash)
        let chain2 = SequenceChain.next(after: chain1, contentHash: changes[1].contentHash)
        // Given an ack naming seq 2 with the right content but another history
        // (the hub holds a different change 1, from a run that reused the
        // epoch), when it arrives, then nothing is pruned.
        let otherHistory = SequenceChain.next(after: "0000000000000000", contentHash: changes[1].contentHash)
        #expect(try store.acknowledge(AckEntry(epoch: 1, upTo: 2, hash: otherHistory), now: 5000) == 0)
        #expect(try store.acknowledge(AckEntry(epoch: 1, upTo: 2, hash: changes[1].contentHash), now: 5000) == 0)
        #expect(try store.acknowledge(AckEntry(epoch: 1, upTo: 2, hash: chain2), now: 5000) == 2)
        #expect(try store.outbox(after: nil, limit: 10).map(\.id.seq) == [3])
        #expect(try store.acknowledge(AckEntry(epoch: 1, upTo: 2, hash: chain2), now: 5000) == 0)
    }

    @Test(arguments: Kind.allCases)
    func aChangesChainIsFoundInTheOutboxThenAmongTheAcknowledgedUntilForgotten(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        let changes = [Self.change(1), Self.change(2)]
        try store.commitLocal(changes, clock: .zero)
        let chain1 = SequenceChain.next(after: "", contentHash: changes[0].contentHash)
        let chain2 = SequenceChain.next(after: chain1, contentHash: changes[1].contentHash)
        #expect(try store.sequenceChain(at: changes[0].id) == chain1)
        #expect(try store.sequenceChain(at: changes[1].id) == chain2)
        #expect(try store.sequenceChain(at: Self.change(3).id) == nil)
        #expect(try store.sequenceChain(at: Self.change(1, epoch: 2).id) == nil)
        #expect(try store.acknowledge(AckEntry(epoch: 1, upTo: 1, hash: chain1), now: 5000) == 1)
        #expect(try store.sequenceChain(at: changes[0].id) == chain1)
        try store.forgetAcknowledged(before: 6000)
        #expect(try store.sequenceChain(at: changes[0].id) == nil)
        #expect(try store.sequenceChain(at: changes[1].id) == chain2)
    }

    @Test(arguments: Kind.allCases)
    func theOldestUnsyncedChangeFollowsThePrunes(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        #expect(try store.oldestUnsynced() == nil)
        let changes = [Self.change(1), Self.change(2), Self.change(3)]
        try store.commitLocal(changes, clock: .zero)
        #expect(try store.oldestUnsynced() == changes[0].hlc)
        #expect(try store.outboxStatus().oldest == changes[0].hlc)
        let chain1 = SequenceChain.next(after: "", contentHash: changes[0].contentHash)
        let chain2 = SequenceChain.next(after: chain1, contentHash: changes[1].contentHash)
        let chain3 = SequenceChain.next(after: chain2, contentHash: changes[2].contentHash)
        #expect(try store.acknowledge(AckEntry(epoch: 1, upTo: 2, hash: chain2), now: 5000) == 2)
        #expect(try store.oldestUnsynced() == changes[2].hlc)
        #expect(try store.acknowledge(AckEntry(epoch: 1, upTo: 3, hash: chain3), now: 5000) == 1)
        #expect(try store.oldestUnsynced() == nil)
        #expect(try store.outboxStatus() == OutboxStatus(depth: 0, oldest: nil))
    }

    @Test(arguments: Kind.allCases)
    func outboxTailsNameTheLastChangeOfEachEpoch(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        #expect(try store.outboxTails().isEmpty)
        try store.commitLocal([Self.change(1), Self.change(2, key: "r-2")], clock: .zero)
        _ = try store.start(minimumEpoch: 1)
        try store.commitLocal([Self.change(1, epoch: 2, key: "r-3")], clock: .zero)
        #expect(try store.outboxTails() == [EpochPosition(epoch: 1, seq: 2), EpochPosition(epoch: 2, seq: 1)])
    }

    @Test(arguments: Kind.allCases)
    func remoteEntriesAdvanceTheCursorWithTheRows(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        let entries = [
            LogEntry(seq: 5, change: Self.change(1)), LogEntry(seq: 7, change: Self.change(2, status: "inside")),
        ]
        try store.applyRemote(channel: Self.channel, entries: entries, upTo: 9, clock: .zero)
        #expect(try store.start(minimumEpoch: 1).cursors[Self.channel] == 9)
        let row = try #require(try store.row(RowRef(table: "reservations", key: "r-1")))
        #expect(row.cells["status"]?.value == .text("inside"))
    }

    /// An insert is written without a lookup unless its key is taken: one
    /// of a key the replica holds merges into the row, column by column,
    /// and never replaces it.
    @Test(arguments: Kind.allCases)
    func anInsertOfAKeyAlreadyHeldMergesIntoTheRow(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        var newer = Self.change(2, status: "inside")
        newer.columns["plate"] = .text("京A12345")
        try store.applyRemote(channel: Self.channel, entries: [LogEntry(seq: 5, change: newer)], upTo: 5, clock: .zero)
        var older = Self.change(1, status: "booked")
        older.id.origin = "gate-2"
        older.columns["member_id"] = .text("m-1")
        try store.applyRemote(channel: Self.channel, entries: [LogEntry(seq: 6, change: older)], upTo: 6, clock: .zero)
        let row = try #require(try store.rows(in: Self.channel).first { $0.key == "r-1" })
        #expect(row.seq == 6)
        #expect(row.state.cells["status"]?.value == .text("inside"))
        #expect(row.state.cells["plate"]?.value == .text("京A12345"))
        #expect(row.state.cells["member_id"]?.value == .text("m-1"))

        // A local insert of a held key marks the row pending as a merge does.
        let local = Change(
            id: ChangeID(origin: "gate-1", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: 5000),
            table: "reservations", key: "r-1", channel: Self.channel, op: .insert, columns: ["status": .text("left")])
        try store.commitLocal([local], clock: local.hlc)
        #expect(try store.row(RowRef(table: "reservations", key: "r-1"))?.cells["status"]?.value == .text("left"))
        #expect(try store.row(RowRef(table: "reservations", key: "r-1"))?.cells["member_id"]?.value == .text("m-1"))
        #expect(try store.outbox(after: nil, limit: 10) == [local])
    }

    @Test(arguments: Kind.allCases)
    func aSnapshotReplacesTheChannelAndKeepsUnsentLocalChanges(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        try store.applyRemote(
            channel: Self.channel, entries: [LogEntry(seq: 1, change: Self.change(1, key: "old"))], upTo: 1,
            clock: .zero)
        try store.commitLocal([Self.change(1, key: "mine")], clock: .zero)
        var fresh = RowState()
        fresh.apply(Self.change(3, key: "fresh"))
        try store.installSnapshot(
            channel: Self.channel, rows: [SnapshotRow(table: "reservations", key: "fresh", seq: 40, state: fresh)],
            at: 40)
        #expect(try store.rows(in: Self.channel).map(\.key) == ["fresh", "mine"])
        #expect(try store.start(minimumEpoch: 1).cursors[Self.channel] == 40)
    }

    /// §9.5: windows are staged apart from the rows the node decides on,
    /// their progress survives a restart, and the last one installs them all.
    @Test(arguments: Kind.allCases)
    func snapshotWindowsAreStagedApartUntilTheLastInstallsThem(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        try store.applyRemote(
            channel: Self.channel, entries: [LogEntry(seq: 1, change: Self.change(1, key: "old"))], upTo: 1,
            clock: .zero)
        func row(_ key: String) -> SnapshotRow {
            var state = RowState()
            state.apply(Self.change(3, key: key))
            return SnapshotRow(table: "reservations", key: key, seq: 30, state: state)
        }
        let first = SnapshotProgress(
            snapshotID: "s", at: 40, through: RowRef(table: "reservations", key: "b"), held: 2, chain: "", total: 3)
        try store.stageSnapshot(
            channel: Self.channel, rows: [row("a"), row("b")], progress: first, startsOver: true, installs: false)
        // Staged, not installed: the node still decides on what it held.
        #expect(try store.rows(in: Self.channel).map(\.key) == ["old"])
        let restarted = try store.start(minimumEpoch: 1)
        #expect(restarted.snapshots[Self.channel] == first)
        #expect(restarted.cursors[Self.channel] == 1)
        var last = first
        last.held = 3
        last.through = RowRef(table: "reservations", key: "c")
        try store.stageSnapshot(
            channel: Self.channel, rows: [row("c")], progress: last, startsOver: false, installs: true)
        #expect(try store.rows(in: Self.channel).map(\.key) == ["a", "b", "c"])
        let installed = try store.start(minimumEpoch: 1)
        #expect(installed.cursors[Self.channel] == 40 && installed.snapshots.isEmpty)
    }

    /// Installing one channel's snapshot, or starting it over, leaves what
    /// another channel staged (an interrupted snapshot waiting for its turn).
    @Test(arguments: Kind.allCases)
    func anotherChannelsStagedWindowsStayWhenOneIsInstalled(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        let lounge = Channel(mall: "m", kind: .lounge)
        var state = RowState()
        state.apply(Self.change(3, key: "a"))
        let reservation = SnapshotRow(table: "reservations", key: "a", seq: 30, state: state)
        var visit = RowState()
        visit.apply(
            Change(
                id: ChangeID(origin: "lounge-1", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: 1000),
                table: "lounge_visits", key: "v", channel: lounge, op: .insert, columns: ["member_id": .text("m")]))
        let visitRow = SnapshotRow(table: "lounge_visits", key: "v", seq: 31, state: visit)
        let loungeProgress = SnapshotProgress(snapshotID: "l", at: 50, through: visitRow.ref, held: 1, chain: "")
        try store.stageSnapshot(
            channel: lounge, rows: [visitRow], progress: loungeProgress, startsOver: true, installs: false)
        let progress = SnapshotProgress(snapshotID: "s", at: 40, through: reservation.ref, held: 1, chain: "")
        try store.stageSnapshot(
            channel: Self.channel, rows: [reservation], progress: progress, startsOver: true, installs: false)
        var restart = progress
        restart.snapshotID = "t"
        try store.stageSnapshot(
            channel: Self.channel, rows: [reservation], progress: restart, startsOver: true, installs: true)
        #expect(try store.rows(in: Self.channel).map(\.key) == ["a"])
        #expect(try store.start(minimumEpoch: 1).snapshots == [lounge: loungeProgress])
        var last = loungeProgress
        last.through = nil
        try store.stageSnapshot(channel: lounge, rows: [], progress: last, startsOver: false, installs: true)
        #expect(try store.rows(in: lounge).map(\.key) == ["v"])
    }

    /// A snapshot that starts over drops what an earlier one staged; a
    /// schema change on the channel, or a new hub history, drops it too.
    @Test(arguments: Kind.allCases)
    func stagedWindowsGoWhenTheSnapshotStartsOverOrTheSchemaOrHistoryChanges(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        var state = RowState()
        state.apply(Self.change(3, key: "a"))
        let rowA = SnapshotRow(table: "reservations", key: "a", seq: 30, state: state)
        let progress = SnapshotProgress(snapshotID: "s", at: 40, through: rowA.ref, held: 1, chain: "")
        try store.stageSnapshot(
            channel: Self.channel, rows: [rowA], progress: progress, startsOver: true, installs: false)
        var again = progress
        again.snapshotID = "t"
        again.through = nil
        again.held = 0
        try store.stageSnapshot(channel: Self.channel, rows: [], progress: again, startsOver: true, installs: true)
        #expect(try store.rows(in: Self.channel).isEmpty)
        try store.stageSnapshot(
            channel: Self.channel, rows: [rowA], progress: progress, startsOver: true, installs: false)
        try store.holdSchema("other", of: Self.channel, restart: true)
        #expect(try store.start(minimumEpoch: 1).snapshots.isEmpty)
        try store.stageSnapshot(
            channel: Self.channel, rows: [rowA], progress: progress, startsOver: true, installs: false)
        _ = try store.followHubHistory("h2", cursorsValidThrough: 0, replayInto: 9)
        #expect(try store.start(minimumEpoch: 1).snapshots.isEmpty)
        // Recording a first history keeps what was staged under it, and only that.
        var ofH3 = progress
        ofH3.history = "h3"
        try store.stageSnapshot(channel: Self.channel, rows: [rowA], progress: ofH3, startsOver: true, installs: false)
        _ = try store.followHubHistory("h3", cursorsValidThrough: 0, replayInto: nil)
        #expect(try store.start(minimumEpoch: 1).snapshots[Self.channel] == ofH3)
        _ = try store.followHubHistory("h4", cursorsValidThrough: 0, replayInto: nil)
        #expect(try store.start(minimumEpoch: 1).snapshots.isEmpty)
    }

    /// A windowed snapshot installs rows newer than its cursor (§9.5): when
    /// the hub goes back to a backup, a channel holding a row past what the
    /// new history shares re-snapshots, whatever its cursor (§9.6).
    @Test(arguments: Kind.allCases)
    func aHubGoingBackDropsTheCursorOfAChannelWhoseRowsReachPastIt(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        var state = RowState()
        state.apply(Self.change(3, key: "late"))
        try store.installSnapshot(
            channel: Self.channel, rows: [SnapshotRow(table: "reservations", key: "late", seq: 60, state: state)],
            at: 40)
        #expect(try store.highestRowSeq(in: Self.channel) == 60)
        _ = try store.followHubHistory("h1", cursorsValidThrough: 0, replayInto: nil)
        _ = try store.followHubHistory("h2", cursorsValidThrough: 50, replayInto: 2)
        #expect(try store.start(minimumEpoch: 1).cursors[Self.channel] == nil)
    }

    @Test(arguments: Kind.allCases)
    func movingTheOutboxRenumbersOnceAndOnlyOnce(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        try store.commitLocal([Self.change(1), Self.change(2)], clock: .zero)
        #expect(try store.moveOutbox(fromEpoch: 1, toEpoch: 5) == 2)
        #expect(
            try store.outbox(after: nil, limit: 10).map(\.id) == [
                Self.change(1, epoch: 5).id, Self.change(2, epoch: 5).id,
            ])
        // The same instruction again must not renumber changes the hub may now hold.
        #expect(try store.moveOutbox(fromEpoch: 1, toEpoch: 6) == nil)
        #expect(try store.start(minimumEpoch: 1).epoch == 6)
    }

    @Test(arguments: Kind.allCases)
    func acknowledgedChangesAreKeptUntilForgottenAndReplayedWhenTheHubWentBack(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        let changes = (1...4).map { Self.change($0, key: "r-\($0)") }
        try store.commitLocal(changes, clock: .zero)
        try store.applyRemote(channel: Self.channel, entries: [], upTo: 50, clock: .zero)
        let chains = changes.reduce(into: [String]()) {
            $0.append(SequenceChain.next(after: $0.last ?? "", contentHash: $1.contentHash))
        }
        // Changes 1 and 2 are acknowledged at t=5000, change 3 at t=9000.
        #expect(try store.acknowledge(AckEntry(epoch: 1, upTo: 2, hash: chains[1]), now: 5000) == 2)
        #expect(try store.acknowledge(AckEntry(epoch: 1, upTo: 3, hash: chains[2]), now: 9000) == 1)
        // The first history seen is only recorded: nothing moves.
        #expect(try store.followHubHistory("h-a", cursorsValidThrough: 0, replayInto: nil) == 0)
        #expect(try store.start(minimumEpoch: 1).hubHistory == "h-a")
        #expect(try store.outbox(after: nil, limit: 10).map(\.id.seq) == [4])

        // Kept past its time, change 1..2 are dropped; 3 stays.
        try store.forgetAcknowledged(before: 6000)
        // The hub went back to position 30: the cursor at 50 no longer holds,
        // and every kept change travels again, in the order made, in epoch 7.
        #expect(try store.followHubHistory("h-b", cursorsValidThrough: 30, replayInto: 7) == 2)
        let outbox = try store.outbox(after: nil, limit: 10)
        #expect(
            outbox.map(\.id) == [
                ChangeID(origin: "gate-1", epoch: 7, seq: 1), ChangeID(origin: "gate-1", epoch: 7, seq: 2),
            ])
        #expect(outbox.map(\.contentHash) == [changes[2].contentHash, changes[3].contentHash])
        let start = try store.start(minimumEpoch: 1)
        #expect(start.epoch == 8)
        #expect(start.cursors[Self.channel] == nil)
        #expect(start.hubHistory == "h-b")
        #expect(start.lastCreated == ChangeID(origin: "gate-1", epoch: 7, seq: 2))
        // The replayed changes chain from scratch in their new epoch, so the hub's ack prunes them.
        let newChain = SequenceChain.next(
            after: SequenceChain.next(after: "", contentHash: changes[2].contentHash),
            contentHash: changes[3].contentHash)
        #expect(try store.acknowledge(AckEntry(epoch: 7, upTo: 2, hash: newChain), now: 10_000) == 2)
        // The rows never moved: the replica still shows every change.
        #expect(try store.rows(in: Self.channel).map(\.key) == ["r-1", "r-2", "r-3", "r-4"])
        // Change 3 counts its week from its first acknowledgement (t=9000), change 4 from
        // t=10000: restores in a row do not keep a change for ever.
        try store.forgetAcknowledged(before: 9500)
        #expect(try store.followHubHistory("h-c", cursorsValidThrough: 30, replayInto: 9) == 1)
        #expect(try store.outbox(after: nil, limit: 10).map(\.contentHash) == [changes[3].contentHash])
    }

    @Test(arguments: Kind.allCases)
    func eventRowsGoOnceTheirTableRetentionPassesAndOtherRowsStay(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        let day: UInt64 = 86_400_000
        let made: UInt64 = 1_800_000_000_000
        func passage(_ seq: UInt64, at wall: UInt64) -> Change {
            Change(
                id: ChangeID(origin: "gate-1", epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: wall),
                table: "gate_passages", key: "p-\(seq)", channel: Self.channel, op: .insert,
                columns: ["direction": .text("in"), "decision": .text("admit")])
        }
        var reservation = Self.change(3, key: "r-old")
        reservation.hlc = HybridTimestamp(wallMillis: made)
        try store.commitLocal(
            [passage(1, at: made), passage(2, at: made + 10 * day), reservation], clock: .zero)
        let retain = try #require(SyncSchema.mall.tables["gate_passages"]?.retainMillis)
        // A moment before its retention ends, nothing goes.
        #expect(try store.dropExpired(now: made + retain - 1).isEmpty)
        // Then the first passage goes; the younger one and the reservation stay.
        #expect(try store.dropExpired(now: made + retain) == [RowRef(table: "gate_passages", key: "p-1")])
        #expect(try store.rows(in: Self.channel).map(\.key) == ["p-2", "r-old"])
        // The digest as of that moment ignores a row past retention that a replica still holds.
        var expired = RowState()
        expired.apply(passage(1, at: made))
        let withOld =
            try store.rows(in: Self.channel) + [SnapshotRow(table: "gate_passages", key: "p-1", seq: 0, state: expired)]
        #expect(
            ReplicaDigest.of(withOld, floor: 0, schema: .mall, now: made + retain)
                == ReplicaDigest.of(try store.rows(in: Self.channel), floor: 0, schema: .mall, now: made + retain))
        // A replica whose clock ran six hours ahead dropped p-2 already; at the hub's
        // time it still has six hours to live, and the digests agree all the same.
        let holding = try store.rows(in: Self.channel)
        let hubTime = made + 10 * day + retain - 6 * 3_600_000
        #expect(
            ReplicaDigest.of(holding.filter { $0.key != "p-2" }, floor: 0, schema: .mall, now: hubTime)
                == ReplicaDigest.of(holding, floor: 0, schema: .mall, now: hubTime))
    }

    /// A row updated keeps its index entries where the update leaves them
    /// (a reservation's status); an event row's end of life moves with its
    /// newest change, and it stays until the new end.
    @Test(arguments: Kind.allCases)
    func aPassageUpdatedLaterIsKeptUntilItsNewEnd(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        let day: UInt64 = 86_400_000
        let made: UInt64 = 1_800_000_000_000
        func change(_ seq: UInt64, at wall: UInt64, _ columns: [String: Value]) -> LogEntry {
            LogEntry(
                seq: seq,
                change: Change(
                    id: ChangeID(origin: "hub", epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: wall),
                    table: "gate_passages", key: "p-1", channel: Self.channel, op: seq == 1 ? .insert : .update,
                    columns: columns))
        }
        try store.applyRemote(
            channel: Self.channel,
            entries: [
                change(1, at: made, ["direction": .text("in"), "decision": .text("admit")]),
                change(2, at: made, ["lane": .text("L1")]),
            ],
            upTo: 2, clock: .zero)
        try store.applyRemote(
            channel: Self.channel, entries: [change(3, at: made + 10 * day, ["lane": .text("L2")])], upTo: 3,
            clock: .zero)
        let retain = try #require(SyncSchema.mall.tables["gate_passages"]?.retainMillis)
        #expect(try store.dropExpired(now: made + retain).isEmpty)
        #expect(try store.dropExpired(now: made + 10 * day + retain - 1).isEmpty)
        #expect(try store.dropExpired(now: made + 10 * day + retain) == [RowRef(table: "gate_passages", key: "p-1")])
    }

    @Test(arguments: Kind.allCases)
    func anAuditEntryLeavesAReplicaAfterAMonthOnceSent(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        let day: UInt64 = 86_400_000
        let made: UInt64 = 1_800_000_000_000
        let entry = Change(
            id: ChangeID(origin: "gate-1", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: made),
            table: "audit_log", key: "a-1", channel: Channel(mall: "m", kind: .audit), op: .insert,
            columns: ["actor": .text("gate-1"), "node": .text("gate-1")])
        try store.commitLocal([entry], clock: .zero)
        #expect(try store.dropExpired(now: made + 30 * day - 1).isEmpty)
        #expect(try store.dropExpired(now: made + 30 * day) == [RowRef(table: "audit_log", key: "a-1")])
        // The change itself still waits in the outbox for the hub (whose audit trail keeps it two years).
        #expect(try store.outbox(after: nil, limit: 10).map(\.key) == ["a-1"])
    }

    @Test(arguments: Kind.allCases)
    func tombstonesGoOnlyOnceTheFloorPassesThem(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        try store.applyRemote(
            channel: Self.channel,
            entries: [LogEntry(seq: 1, change: Self.change(1)), LogEntry(seq: 2, change: Self.change(2, op: .delete))],
            upTo: 2, clock: .zero)
        try store.collectTombstones(channel: Self.channel, floor: 1)
        #expect(try store.row(RowRef(table: "reservations", key: "r-1"))?.isTombstone == true)
        try store.collectTombstones(channel: Self.channel, floor: 2)
        #expect(try store.row(RowRef(table: "reservations", key: "r-1")) == nil)
    }

    /// §12: a node's own delete of a row the floor has passed must not be
    /// forgotten before the hub's log brings it back, or the row returns
    /// as never inserted while the hub holds it inserted.
    @Test(arguments: Kind.allCases)
    func anOwnDeleteIsKeptUntilTheHubsLogBringsItBack(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        let ref = RowRef(table: "reservations", key: "r-1")
        var insert = Self.change(1)
        insert.id = ChangeID(origin: "gate-2", epoch: 1, seq: 1)
        try store.applyRemote(channel: Self.channel, entries: [LogEntry(seq: 1, change: insert)], upTo: 1, clock: .zero)
        let delete = Self.change(1, op: .delete)
        try store.commitLocal([delete], clock: .zero)
        // Reconnecting, the node hears the retained status (floor 5) before the delete comes back.
        try store.collectTombstones(channel: Self.channel, floor: 5)
        #expect(try store.row(ref)?.isTombstone == true)
        #expect(try store.row(ref)?.inserted == true)

        try store.applyRemote(channel: Self.channel, entries: [LogEntry(seq: 6, change: delete)], upTo: 6, clock: .zero)
        var atTheHub = RowState()
        atTheHub.apply(insert)
        atTheHub.apply(delete)
        #expect(try store.row(ref) == atTheHub)
        try store.collectTombstones(channel: Self.channel, floor: 5)
        #expect(try store.row(ref) != nil)
        try store.collectTombstones(channel: Self.channel, floor: 6)
        #expect(try store.row(ref) == nil)
    }

    @Test(arguments: Kind.allCases)
    func anOfflineInsertAndDeleteStayDeletedWhileTheHubSendsThemBackOneByOne(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        let ref = RowRef(table: "reservations", key: "r-1")
        let (insert, delete) = (Self.change(1), Self.change(2, op: .delete))
        try store.commitLocal([insert, delete], clock: .zero)
        try store.collectTombstones(channel: Self.channel, floor: 3)
        try store.applyRemote(channel: Self.channel, entries: [LogEntry(seq: 4, change: insert)], upTo: 4, clock: .zero)
        #expect(try store.row(ref)?.isVisible == false)
        try store.collectTombstones(channel: Self.channel, floor: 4)
        #expect(try store.row(ref) != nil)
        try store.applyRemote(channel: Self.channel, entries: [LogEntry(seq: 5, change: delete)], upTo: 5, clock: .zero)
        try store.collectTombstones(channel: Self.channel, floor: 5)
        #expect(try store.row(ref) == nil)
    }

    /// §12, what a node merges: its own update of a row it does not hold
    /// inserted, and a logged update of a row it does not hold, leave no
    /// row of cells without an insert (the hub never holds one).
    @Test(arguments: Kind.allCases)
    func updatesOfRowsNotHeldLeaveNoRowBehind(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        // The node's own update of a row it never held: queued for the hub, not merged here.
        try store.commitLocal([Self.change(1, key: "r-7", op: .update, status: "inside")], clock: .zero)
        #expect(try store.row(RowRef(table: "reservations", key: "r-7")) == nil)
        #expect(try store.outboxStatus().depth == 1)
        // A row deleted and collected here, which the hub's log still updates (its tombstone there absorbs it).
        let ref = RowRef(table: "reservations", key: "r-1")
        var insert = Self.change(1)
        insert.id = ChangeID(origin: "hub", epoch: 1, seq: 1)
        var delete = Self.change(2, op: .delete)
        delete.id = ChangeID(origin: "hub", epoch: 1, seq: 2)
        try store.applyRemote(
            channel: Self.channel, entries: [LogEntry(seq: 1, change: insert), LogEntry(seq: 2, change: delete)],
            upTo: 2, clock: .zero)
        try store.collectTombstones(channel: Self.channel, floor: 2)
        #expect(try store.row(ref) == nil)
        var late = Self.change(3, op: .update, status: "left")
        late.id = ChangeID(origin: "gate-2", epoch: 1, seq: 3)
        try store.applyRemote(channel: Self.channel, entries: [LogEntry(seq: 3, change: late)], upTo: 3, clock: .zero)
        #expect(try store.row(ref) == nil)
        // An insert always merges.
        try store.commitLocal([Self.change(2, key: "r-8")], clock: .zero)
        #expect(try store.row(RowRef(table: "reservations", key: "r-8"))?.isVisible == true)
    }

    /// §12.4: the floor a replica's digest is taken at is the highest it
    /// collected at, until a snapshot of the channel starts it over.
    @Test(arguments: Kind.allCases)
    func theCollectedFloorIsKeptUntilASnapshot(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        #expect(try store.collectedFloor(of: Self.channel) == 0)
        try store.collectTombstones(channel: Self.channel, floor: 7)
        try store.collectTombstones(channel: Self.channel, floor: 5)
        #expect(try store.collectedFloor(of: Self.channel) == 7)
        #expect(try store.collectedFloor(of: Channel(mall: "m", kind: .gifts)) == 0)
        try store.installSnapshot(channel: Self.channel, rows: [], at: 9)
        #expect(try store.collectedFloor(of: Self.channel) == 0)
    }
}

@Suite struct SQLiteDurabilityTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("malledge-\(UUID().uuidString)/replica.sqlite")
            .path
    }

    @Test func theWriterStaysAtSynchronousFull() throws {
        let path = Self.temporaryPath()
        let replica = try SQLiteReplica(path: path, schema: .mall)
        #expect(try replica.synchronousLevel() == 2)
        _ = try replica.start(minimumEpoch: 1)
        try replica.commitLocal([ReplicaStoreContractTests.change(1)], clock: .zero)
        #expect(try replica.synchronousLevel() == 2)
        let hub = try SQLiteHubStore(path: path + ".hub", schema: .mall)
        #expect(try hub.synchronousLevel() == 2)
    }

    @Test func aReopenedReplicaHasEverythingCommitted() throws {
        let path = Self.temporaryPath()
        do {
            let replica = try SQLiteReplica(path: path, schema: .mall)
            _ = try replica.start(minimumEpoch: 1)
            try replica.commitLocal([ReplicaStoreContractTests.change(1)], clock: HybridTimestamp(wallMillis: 77))
        }
        let reopened = try SQLiteReplica(path: path, schema: .mall)
        let start = try reopened.start(minimumEpoch: 1)
        #expect(start.epoch == 2)
        #expect(start.clock == HybridTimestamp(wallMillis: 77))
        #expect(start.outbox.depth == 1)
    }
}

extension ReplicaStoreContractTests {
    @Test(arguments: Kind.allCases)
    func movingAReusedEpochKeepsTheOrderChangesWereMadeIn(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        _ = try store.start(minimumEpoch: 1)
        try store.commitLocal([Self.change(1, key: "a")], clock: .zero)
        _ = try store.start(minimumEpoch: 1)
        try store.commitLocal([Self.change(1, epoch: 2, key: "a", op: .delete)], clock: .zero)
        // Given the hub says epoch 1 was reused while the node runs epoch 2:
        // the insert must still reach the hub before the delete that follows it.
        #expect(try store.moveOutbox(fromEpoch: 1, toEpoch: 3) == 2)
        #expect(try store.outbox(after: nil, limit: 10).map(\.op) == [.insert, .delete])
        #expect(try store.outbox(after: nil, limit: 10).map(\.id.epoch) == [3, 3])
    }
}

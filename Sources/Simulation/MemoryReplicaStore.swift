public import SyncCore

/// An in-memory `ReplicaStore` with the failure modes of a real disk.
///
/// Every method is atomic (it mutates a copy and swaps it in). `crash(rollback:)`
/// models a power cut on a disk that lies: the state goes back to a checkpoint
/// taken a few commits earlier, epoch bumps included.
public final class MemoryReplicaStore: ReplicaStore {
    struct State {
        var epoch: UInt64 = 0
        var clock: HybridTimestamp = .zero
        var cursors: [Channel: UInt64] = [:]
        var rows: [Channel: [RowRef: SnapshotRow]] = [:]
        /// Rows holding a local change the hub's log has not brought back
        /// yet, with that change's content hash (§12).
        var pending: [RowRef: String] = [:]
        /// `firstAckedAt`: when a hub in an earlier history acknowledged it
        /// (§9.6); nil for a change never acknowledged.
        var outbox: [(change: Change, chain: String, firstAckedAt: UInt64?)] = []
        /// Changes the hub acknowledged, kept aside for a restored hub (§9.6).
        var acknowledged: [(change: Change, chain: String, ackedAt: UInt64)] = []
        var hubHistory: String?
        /// The floor each channel's tombstones were last collected at (§12.4).
        var collectedFloors: [Channel: UInt64] = [:]
        var heldSchemas: [Channel: String] = [:]
        /// Snapshot windows staged, and how far, per channel (§9.5).
        var staged: [Channel: [RowRef: SnapshotRow]] = [:]
        var snapshots: [Channel: SnapshotProgress] = [:]
        /// The sequence chain after the last change made (its epoch and seq).
        var chainTip: (epoch: UInt64, seq: UInt64, chain: String)?
        var lastCreated: ChangeID?
        var commits = 0
    }

    private var state = State()
    private var checkpoint = State()
    /// The state just before the last epoch bump: a disk that loses the
    /// first commits of a run makes the node reuse that run's epoch.
    private var beforeStart = State()
    private var checkpointDue = 0
    private var random: SeededRandom
    /// Entries handed to `applyRemote` at or below the cursor: the engine must never do that.
    public private(set) var duplicateApplications = 0
    /// Inserts from the hub's log that reached `applyRemote` with, and
    /// without, the row their decoding made of them (`LogEntry.insertedRow`):
    /// an engine that rebuilt entries on the way would make every insert's
    /// row again (a catch-up's largest cost, before that row was made where
    /// the bytes are read).
    public private(set) var loggedInserts = (withRow: 0, withoutRow: 0)
    public private(set) var snapshotInstalls = 0
    /// Commits lost to the most recent rollback.
    public private(set) var lastRollbackLost = 0

    /// What the rows are: their tables' retention.
    public let schema: SyncSchema

    public init(schema: SyncSchema, seed: UInt64 = 1) {
        self.schema = schema
        random = SeededRandom(seed: seed)
    }

    /// Ends a commit: a checkpoint (what a lying disk may fall back to) is
    /// refreshed every few commits.
    private func committed() {
        state.commits += 1
        if state.commits >= checkpointDue {
            checkpoint = state
            checkpointDue = state.commits + random.int(2...12)
        }
    }

    /// A power cut. With `rollback`, the disk loses its last few commits.
    public func crash(rollback: Bool) {
        if rollback {
            let target = state.commits - beforeStart.commits <= 30 && random.chance(0.4) ? beforeStart : checkpoint
            lastRollbackLost = state.commits - target.commits
            state = target
            // What the disk holds now is the only timeline: no later fallback
            // may return to commits it has just lost.
            checkpoint = target
            beforeStart = target
            checkpointDue = target.commits + random.int(2...12)
        } else {
            lastRollbackLost = 0
        }
    }

    public func start(minimumEpoch: UInt64) throws -> ReplicaStartState {
        beforeStart = state
        state.epoch = max(state.epoch + 1, minimumEpoch)
        committed()
        return ReplicaStartState(
            epoch: state.epoch, clock: state.clock, cursors: state.cursors, outbox: try outboxStatus(),
            lastCreated: state.lastCreated, hubHistory: state.hubHistory, heldSchemas: state.heldSchemas,
            snapshots: state.snapshots)
    }

    public func commitLocal(reading refs: Set<RowRef>, _ make: ([RowRef: RowState]) throws -> LocalCommit) throws {
        var found: [RowRef: RowState] = [:]
        for ref in refs { found[ref] = try row(ref) }
        let made = try make(found)
        let (changes, clock) = (made.changes, made.clock)
        for change in changes {
            let contentHash = change.contentHash
            apply(change, .local(contentHash: contentHash))
            var previous = ""
            if change.id.seq > 1 {
                guard let tip = state.chainTip, tip.epoch == change.id.epoch, tip.seq + 1 == change.id.seq else {
                    preconditionFailure("outbox sequence broken at \(change.id)")
                }
                previous = tip.chain
            }
            let chain = SequenceChain.next(after: previous, contentHash: contentHash)
            state.outbox.append((change, chain, nil))
            state.chainTip = (change.id.epoch, change.id.seq, chain)
        }
        state.lastCreated = changes.last?.id ?? state.lastCreated
        state.clock = max(state.clock, clock)
        committed()
    }

    public func applyRemote(channel: Channel, entries: [LogEntry], upTo: UInt64, clock: HybridTimestamp) throws {
        let cursor = state.cursors[channel] ?? 0
        for entry in entries {
            if entry.seq <= cursor { duplicateApplications += 1 }
            if entry.change.op == .insert {
                if entry.insertedRow == nil { loggedInserts.withoutRow += 1 } else { loggedInserts.withRow += 1 }
            }
            apply(entry.change, .logged(seq: entry.seq))
        }
        state.cursors[channel] = max(cursor, upTo)
        state.clock = max(state.clock, clock)
        committed()
    }

    /// Where a change merged into a row comes from.
    private enum Merge {
        case local(contentHash: String)
        case logged(seq: UInt64)
    }

    /// As the SQLite replica: a local write marks its row pending until the
    /// hub's log brings the change back.
    private func apply(_ change: Change, _ merge: Merge) {
        let ref = change.row
        let held = state.rows[change.channel]?[ref]
        var row = held ?? SnapshotRow(table: ref.table, key: ref.key, seq: 0, state: RowState())
        if case .local = merge, !change.merges(into: held?.state, local: true) { return }
        if case .logged = merge, !change.merges(into: held?.state, local: false) { return }
        row.state.apply(change)
        switch merge {
        case .local(let contentHash): state.pending[ref] = contentHash
        case .logged(let seq):
            row.seq = max(row.seq, seq)
            if let mark = state.pending[ref], mark == change.contentHash { state.pending[ref] = nil }
        }
        state.rows[change.channel, default: [:]][ref] = row
    }

    public func stageSnapshot(
        channel: Channel, rows: [SnapshotRow], progress: SnapshotProgress, startsOver: Bool, installs: Bool
    ) throws {
        if startsOver { state.staged[channel] = nil }
        for row in rows { state.staged[channel, default: [:]][row.ref] = row }
        state.snapshots[channel] = progress
        if installs {
            install(channel: channel, at: progress.at)
        } else {
            committed()
        }
    }

    private func install(channel: Channel, at: UInt64) {
        let table = state.staged[channel] ?? [:]
        state.staged[channel] = nil
        state.snapshots[channel] = nil
        for ref in state.rows[channel].map({ Array($0.keys) }) ?? [] { state.pending[ref] = nil }
        state.rows[channel] = table
        state.collectedFloors[channel] = nil
        for (change, _, firstAckedAt) in state.outbox where change.channel == channel && firstAckedAt == nil {
            apply(change, .local(contentHash: change.contentHash))
        }
        state.cursors[channel] = at
        snapshotInstalls += 1
        committed()
    }

    public func acknowledge(_ ack: AckEntry, now: UInt64) throws -> Int {
        guard
            state.outbox.contains(where: {
                $0.change.id.epoch == ack.epoch && $0.change.id.seq == ack.upTo && $0.chain == ack.hash
            })
        else { return 0 }
        let pruned = state.outbox.filter { $0.change.id.epoch == ack.epoch && $0.change.id.seq <= ack.upTo }
        state.acknowledged += pruned.map { ($0.change, $0.chain, $0.firstAckedAt ?? now) }
        state.outbox.removeAll { $0.change.id.epoch == ack.epoch && $0.change.id.seq <= ack.upTo }
        committed()
        return pruned.count
    }

    /// Searched where a pump's question finds it quickly: the change before
    /// the first one sent is near the front of the outbox (in id order), or
    /// the last one acknowledged, at the end of those kept aside (a
    /// simulated day keeps thousands).
    public func sequenceChain(at id: ChangeID) throws -> String? {
        let upTo = state.outbox.prefix { ($0.change.id.epoch, $0.change.id.seq) <= (id.epoch, id.seq) }
        if let held = upTo.last, held.change.id == id { return held.chain }
        return state.acknowledged.last { $0.change.id == id }?.chain
    }

    public func forgetAcknowledged(before cutoff: UInt64) throws {
        guard state.acknowledged.contains(where: { $0.ackedAt < cutoff }) else { return }
        state.acknowledged.removeAll { $0.ackedAt < cutoff }
        committed()
    }

    public func followHubHistory(_ id: String, cursorsValidThrough: UInt64, replayInto: UInt64?) throws -> UInt64 {
        state.hubHistory = id
        for (channel, progress) in state.snapshots where progress.history != id {
            state.staged[channel] = nil
            state.snapshots[channel] = nil
        }
        guard let replayInto else {
            committed()
            return 0
        }
        state.cursors = state.cursors.filter { channel, cursor in
            cursor <= cursorsValidThrough
                && (state.rows[channel]?.values.allSatisfy { $0.seq <= cursorsValidThrough } ?? true)
        }
        state.collectedFloors = [:]
        let kept =
            (state.acknowledged.map { ($0.change, $0.ackedAt as UInt64?) }
            + state.outbox.map { ($0.change, $0.firstAckedAt) })
            .sorted { ($0.0.id.epoch, $0.0.id.seq) < ($1.0.id.epoch, $1.0.id.seq) }
        state.acknowledged = []
        var chain = ""
        state.outbox = kept.enumerated().map { index, item in
            var change = item.0
            change.id = ChangeID(origin: change.id.origin, epoch: replayInto, seq: UInt64(index + 1))
            chain = SequenceChain.next(after: chain, contentHash: change.contentHash)
            return (change, chain, item.1)
        }
        state.epoch = max(state.epoch, replayInto)
        state.chainTip = kept.isEmpty ? nil : (replayInto, UInt64(kept.count), chain)
        if !kept.isEmpty { state.lastCreated = state.outbox.last?.change.id }
        committed()
        return UInt64(kept.count)
    }

    public func outbox(after: ChangeID?, limit: Int) throws -> [Change] {
        var start = 0
        if let after {
            start =
                state.outbox.firstIndex { ($0.change.id.epoch, $0.change.id.seq) > (after.epoch, after.seq) }
                ?? state.outbox.count
        }
        return state.outbox[start..<min(start + limit, state.outbox.count)].map(\.change)
    }

    public func outboxStatus() throws -> OutboxStatus {
        OutboxStatus(depth: state.outbox.count, oldest: try oldestUnsynced())
    }

    public func oldestUnsynced() throws -> HybridTimestamp? {
        state.outbox.map(\.change.hlc).min()
    }

    public func outboxTails() throws -> [EpochPosition] {
        var last: [UInt64: UInt64] = [:]
        for (change, _, _) in state.outbox { last[change.id.epoch] = max(last[change.id.epoch] ?? 0, change.id.seq) }
        return last.keys.sorted().map { EpochPosition(epoch: $0, seq: last[$0]!) }
    }

    public func moveOutbox(fromEpoch: UInt64, toEpoch: UInt64) throws -> UInt64? {
        guard fromEpoch == state.epoch || state.outbox.contains(where: { $0.change.id.epoch == fromEpoch }) else {
            return nil
        }
        var seq: UInt64 = 0
        var chain = ""
        state.outbox = state.outbox.map { item in
            guard item.change.id.epoch >= fromEpoch else { return item }
            seq += 1
            var change = item.change
            change.id = ChangeID(origin: change.id.origin, epoch: toEpoch, seq: seq)
            chain = SequenceChain.next(after: chain, contentHash: change.contentHash)
            return (change, chain, item.firstAckedAt)
        }
        state.epoch = max(state.epoch, toEpoch)
        state.chainTip = seq > 0 ? (toEpoch, seq, chain) : nil
        if seq > 0 { state.lastCreated = state.outbox.last?.change.id }
        committed()
        return seq
    }

    /// What the store holds, by kind: rows by table (tombstones included),
    /// the outbox, acknowledged changes kept.
    public var holdings: [String: Int] {
        var held = ["outbox": state.outbox.count, "acknowledged": state.acknowledged.count]
        for row in state.rows.values.flatMap(\.values) { held[row.table, default: 0] += 1 }
        return held
    }

    public func dropExpired(now: UInt64) throws -> [RowRef] {
        var dropped: [RowRef] = []
        for (channel, rows) in state.rows {
            for (ref, row) in rows
            where schema.tables[ref.table]?.hasExpired(row.state, now: now) == true {
                state.rows[channel]![ref] = nil
                state.pending[ref] = nil
                dropped.append(ref)
            }
        }
        if !dropped.isEmpty { committed() }
        return dropped.sorted()
    }

    public func collectTombstones(channel: Channel, floor: UInt64) throws {
        state.collectedFloors[channel] = max(state.collectedFloors[channel] ?? 0, floor)
        let rows = state.rows[channel] ?? [:]
        let dead = rows.values.filter { $0.state.isTombstone && $0.seq <= floor && state.pending[$0.ref] == nil }
        for row in dead { state.rows[channel]![row.ref] = nil }
        committed()
    }

    public func collectedFloor(of channel: Channel) throws -> UInt64 { state.collectedFloors[channel] ?? 0 }

    public func highestRowSeq(in channel: Channel) throws -> UInt64 {
        state.rows[channel]?.values.map(\.seq).max() ?? 0
    }

    public func holdSchema(_ fingerprint: String, of channel: Channel, restart: Bool) throws {
        state.heldSchemas[channel] = fingerprint
        if restart { state.cursors[channel] = nil }
        state.staged[channel] = nil
        state.snapshots[channel] = nil
        committed()
    }

    public func row(_ ref: RowRef) throws -> RowState? {
        for rows in state.rows.values {
            if let row = rows[ref] { return row.state }
        }
        return nil
    }

    public func rows(in channel: Channel) throws -> [SnapshotRow] {
        (state.rows[channel] ?? [:]).values.sorted { $0.ref < $1.ref }
    }

    public var cursors: [Channel: UInt64] { state.cursors }
    /// Commits so far (a rollback takes this back too).
    public var commits: Int { state.commits }
    public var outboxDepth: Int { state.outbox.count }
}

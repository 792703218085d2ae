/// The durable side of a node: its replica, outbox, cursors and epoch.
///
/// Every method that writes is one atomic transaction, committed durably
/// before it returns. Two implementations pass the same contract tests: the
/// SQLite replica and the simulator's in-memory one.
public protocol ReplicaStore: AnyObject {
    /// Bumps the durable epoch to at least `minimumEpoch` and at least one
    /// above the stored one, and returns what a run starts from.
    func start(minimumEpoch: UInt64) throws -> ReplicaStartState
    /// Reads the rows of `refs` that exist, and applies the local changes
    /// `make` derives from them to the replica and appends them to the
    /// outbox, in one transaction: no other write comes between the state a
    /// change was checked against and its commit, and a decision costs one
    /// transaction, not a read transaction and a write. Nothing is written
    /// if `make` throws. A store may make the commit durable later (group
    /// commit): its owner then waits for that before telling anyone of the
    /// changes.
    func commitLocal(reading refs: Set<RowRef>, _ make: ([RowRef: RowState]) throws -> LocalCommit) throws
    /// Applies log entries of one channel and sets its cursor to `upTo`.
    func applyRemote(channel: Channel, entries: [LogEntry], upTo: UInt64, clock: HybridTimestamp) throws
    /// Stages one window of a snapshot of `channel` (§9.5) and records
    /// `progress`, in one transaction: with `startsOver`, what was staged of
    /// another snapshot of the channel goes first. With `installs`, in the
    /// same transaction, the channel's rows are replaced with everything
    /// staged, then the outbox's changes of that channel are re-applied on
    /// top (the engine first prunes those the snapshot's acks show the hub
    /// holds), except those sent again after a new hub history (§9.6: the
    /// snapshot holds them if the hub does, and the stream brings them once
    /// the hub takes them); the cursor becomes `progress.at` and the staging
    /// is emptied.
    func stageSnapshot(
        channel: Channel, rows: [SnapshotRow], progress: SnapshotProgress, startsOver: Bool, installs: Bool) throws
    /// Removes outbox changes of `ack.epoch` up to `ack.upTo`, but only when the
    /// outbox holds `(epoch, upTo)` with the acknowledged sequence chain. The
    /// removed changes are kept aside, marked acknowledged at `now`, until
    /// `forgetAcknowledged` drops them: a hub restored from a backup gets
    /// them again (§9.6).
    /// - Returns: how many changes were removed.
    func acknowledge(_ ack: AckEntry, now: UInt64) throws -> Int
    /// The sequence chain (§4.2) of the node's change `id`, from the outbox
    /// or the acknowledged changes kept aside; nil when neither holds it.
    func sequenceChain(at id: ChangeID) throws -> String?
    /// Drops the acknowledged changes kept aside since before `cutoff`.
    func forgetAcknowledged(before cutoff: UInt64) throws
    /// Records `id` as the hub log history the cursors refer to (§9.6), and
    /// drops every staged snapshot whose progress names another history (its
    /// rows may hold what a restored hub lost). When
    /// `replayInto` is given, the hub went back: cursors above
    /// `cursorsValidThrough`, and those of channels holding a row whose
    /// `seq` is above it, are dropped (their channels re-snapshot), and
    /// every acknowledged change kept aside, then every outbox change, is
    /// renumbered into epoch `replayInto` from seq 1 in the order made, as
    /// unacknowledged; `replayInto` becomes the durable epoch.
    /// - Returns: the last seq used in `replayInto` (0 when nothing moved).
    func followHubHistory(_ id: String, cursorsValidThrough: UInt64, replayInto: UInt64?) throws -> UInt64
    /// Outbox changes in `(epoch, seq)` order after `after` (from the start when nil).
    func outbox(after: ChangeID?, limit: Int) throws -> [Change]
    func outboxStatus() throws -> OutboxStatus
    /// The timestamp of the oldest change in the outbox, nil when empty.
    /// Asked on every ack, so it must not cost more as the outbox grows.
    func oldestUnsynced() throws -> HybridTimestamp?
    /// Per epoch in the outbox, in ascending order, the seq of its last change:
    /// what a snapshot request asks the hub to acknowledge.
    func outboxTails() throws -> [EpochPosition]
    /// Renumbers every outbox change of epoch `fromEpoch` or later into
    /// `toEpoch` (from seq 1, order kept, so the hub still receives this
    /// node's changes in the order they were made) and makes `toEpoch` the
    /// durable epoch. A moved change the hub already holds is recognised by
    /// its content hash, which leaves the id out.
    /// - Returns: the last seq used (0 when nothing moved), or nil (and nothing
    ///   changed) when `fromEpoch` is neither the current durable epoch nor the
    ///   epoch of any outbox change: a repeated instruction must not renumber
    ///   changes the hub may already hold.
    func moveOutbox(fromEpoch: UInt64, toEpoch: UInt64) throws -> UInt64?
    /// Deletes the event rows past their table's retention at `now` (§12.1).
    /// - Returns: the rows deleted.
    func dropExpired(now: UInt64) throws -> [RowRef]
    /// Forgets tombstones of `channel` last touched at or below `floor`
    /// (except pending ones, §12), and records `floor` as collected.
    func collectTombstones(channel: Channel, floor: UInt64) throws
    /// The highest floor the channel's tombstones were collected at since its
    /// last snapshot or hub history change (0 if none): the floor its replica
    /// digest is taken at (§12.4).
    func collectedFloor(of channel: Channel) throws -> UInt64
    /// The highest `seq` of any row of the channel (0 if none). A snapshot
    /// taken in windows holds rows newer than its cursor (§9.5), so this,
    /// not only the cursor, says whether the rows reach past a position.
    func highestRowSeq(in channel: Channel) throws -> UInt64
    /// Records that the channel's rows are held as the schema with
    /// `fingerprint` sees them (`SyncSchema.fingerprint(of:)`); with
    /// `restart`, in the same transaction, forgets the channel's cursor, so
    /// the channel is snapshotted again (its schema grew, §16.1). What was
    /// staged of a snapshot of the channel is dropped: it was staged as
    /// another schema sees it.
    func holdSchema(_ fingerprint: String, of channel: Channel, restart: Bool) throws
    func row(_ ref: RowRef) throws -> RowState?
    /// Every row of the channel with its merge state, ordered by table and key.
    func rows(in channel: Channel) throws -> [SnapshotRow]
}

/// What a local commit writes: its changes, and the clock after them.
public struct LocalCommit {
    public var changes: [Change]
    public var clock: HybridTimestamp

    public init(changes: [Change], clock: HybridTimestamp) {
        self.changes = changes
        self.clock = clock
    }
}

extension ReplicaStore {
    /// Commits changes made without reading any row first.
    public func commitLocal(_ changes: [Change], clock: HybridTimestamp) throws {
        try commitLocal(reading: []) { _ in LocalCommit(changes: changes, clock: clock) }
    }
}

public struct ReplicaStartState: Sendable, Equatable {
    public var epoch: UInt64
    public var clock: HybridTimestamp
    public var cursors: [Channel: UInt64]
    public var outbox: OutboxStatus
    /// The last change this node made, in any run.
    public var lastCreated: ChangeID?
    /// The hub log history the cursors refer to (nil before the first status).
    public var hubHistory: String?
    /// The schema fingerprint each channel's rows are held under (`holdSchema`).
    public var heldSchemas: [Channel: String]
    /// How far each snapshot being taken is staged (`stageSnapshot`).
    public var snapshots: [Channel: SnapshotProgress]

    public init(
        epoch: UInt64, clock: HybridTimestamp, cursors: [Channel: UInt64], outbox: OutboxStatus,
        lastCreated: ChangeID?, hubHistory: String? = nil, heldSchemas: [Channel: String] = [:],
        snapshots: [Channel: SnapshotProgress] = [:]
    ) {
        self.heldSchemas = heldSchemas
        self.snapshots = snapshots
        self.epoch = epoch
        self.clock = clock
        self.cursors = cursors
        self.outbox = outbox
        self.lastCreated = lastCreated
        self.hubHistory = hubHistory
    }
}

public struct OutboxStatus: Sendable, Equatable {
    public var depth: Int
    public var oldest: HybridTimestamp?

    public init(depth: Int, oldest: HybridTimestamp?) {
        self.depth = depth
        self.oldest = oldest
    }
}

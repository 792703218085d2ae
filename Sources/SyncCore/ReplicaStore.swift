/// The durable side of a node: its replica, outbox, cursors and epoch.
///
/// Every method that writes is one atomic transaction, committed durably
/// before it returns. Two implementations pass the same contract tests: the
/// SQLite replica and the simulator's in-memory one.
public protocol ReplicaStore: AnyObject {
    /// Bumps the durable epoch to at least `minimumEpoch` and at least one
    /// above the stored one, and returns what a run starts from.
    func start(minimumEpoch: UInt64) throws -> ReplicaStartState
    /// Applies local changes to the replica and appends them to the outbox.
    func commitLocal(_ changes: [Change], clock: HybridTimestamp) throws
    /// Applies log entries of one channel and sets its cursor to `upTo`.
    func applyRemote(channel: Channel, entries: [LogEntry], upTo: UInt64, clock: HybridTimestamp) throws
    /// Replaces one channel's rows with a snapshot at hub sequence `at`, then
    /// re-applies the outbox's changes of that channel on top (the engine first
    /// prunes those the snapshot's acks show the hub holds).
    func installSnapshot(channel: Channel, rows: [SnapshotRow], at: UInt64) throws
    /// Removes outbox changes of `ack.epoch` up to `ack.upTo`, but only when the
    /// outbox holds `(epoch, upTo)` with the acknowledged sequence chain.
    /// - Returns: how many changes were removed.
    func acknowledge(_ ack: AckEntry) throws -> Int
    /// Outbox changes in `(epoch, seq)` order after `after` (from the start when nil).
    func outbox(after: ChangeID?, limit: Int) throws -> [Change]
    func outboxStatus() throws -> OutboxStatus
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
    /// Forgets tombstones of `channel` last touched at or below `floor`.
    func collectTombstones(channel: Channel, floor: UInt64) throws
    func row(_ ref: RowRef) throws -> RowState?
    /// Every row of the channel with its merge state, ordered by table and key.
    func rows(in channel: Channel) throws -> [SnapshotRow]
}

public struct ReplicaStartState: Sendable, Equatable {
    public var epoch: UInt64
    public var clock: HybridTimestamp
    public var cursors: [Channel: UInt64]
    public var outbox: OutboxStatus
    /// The last change this node made, in any run.
    public var lastCreated: ChangeID?

    public init(
        epoch: UInt64, clock: HybridTimestamp, cursors: [Channel: UInt64], outbox: OutboxStatus,
        lastCreated: ChangeID?
    ) {
        self.epoch = epoch
        self.clock = clock
        self.cursors = cursors
        self.outbox = outbox
        self.lastCreated = lastCreated
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

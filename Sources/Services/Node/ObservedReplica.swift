public import Storage
public import SyncCore

/// Told which rows of a replica changed, after the transaction committed.
protocol ReplicaObserver: AnyObject {
    /// These rows changed (dropped as expired): read them again.
    func rowsChanged(_ refs: [RowRef], in store: SQLiteReplica)
    /// These rows were merged by a local commit, and are now as given (nil: no row).
    func rowsMerged(_ states: [RowRef: RowState?])
    /// These rows were merged from the hub's log, and are now as given.
    func rowsMergedFromHub(_ states: [RowRef: RowState?])
    /// `install` replaces every row of the channel with its snapshot, whose
    /// last window is `lastWindow` and which had windows staged before it
    /// unless `stagedBefore` is false; it returns the rows it merged the
    /// node's own unacknowledged changes into again.
    func installingSnapshot(
        of channel: Channel, lastWindow: [SnapshotRow], stagedBefore: Bool, in store: SQLiteReplica,
        install: () throws -> [RowRef]) throws
}

/// The node's SQLite replica with an observer: the in-memory views the
/// decisions read (the gate's reservation book) learn of every committed
/// change, local or from the hub, without the sync engine knowing of them.
public final class ObservedReplica: ReplicaStore {
    public let replica: SQLiteReplica
    weak var observer: (any ReplicaObserver)?

    public init(_ replica: SQLiteReplica) {
        self.replica = replica
    }

    public func start(minimumEpoch: UInt64) throws -> ReplicaStartState {
        try replica.start(minimumEpoch: minimumEpoch)
    }

    public func commitLocal(reading refs: Set<RowRef>, _ make: ([RowRef: RowState]) throws -> LocalCommit) throws {
        let states = try replica.commitLocalReturningStates(reading: refs, make)
        observer?.rowsMerged(states)
    }

    public func applyRemote(channel: Channel, entries: [LogEntry], upTo: UInt64, clock: HybridTimestamp) throws {
        let states = try replica.applyRemoteReturningStates(
            channel: channel, entries: entries, upTo: upTo, clock: clock)
        observer?.rowsMergedFromHub(states)
    }

    public func stageSnapshot(
        channel: Channel, rows: [SnapshotRow], progress: SnapshotProgress, startsOver: Bool, installs: Bool
    ) throws {
        guard installs, let observer else {
            return try replica.stageSnapshot(
                channel: channel, rows: rows, progress: progress, startsOver: startsOver, installs: installs)
        }
        try observer.installingSnapshot(of: channel, lastWindow: rows, stagedBefore: !startsOver, in: replica) {
            try replica.stageSnapshotReturningReapplied(
                channel: channel, rows: rows, progress: progress, startsOver: startsOver, installs: true)
        }
    }

    public func acknowledge(_ ack: AckEntry, now: UInt64) throws -> Int { try replica.acknowledge(ack, now: now) }

    public func forgetAcknowledged(before cutoff: UInt64) throws { try replica.forgetAcknowledged(before: cutoff) }

    /// Rows stay as they are (a channel whose cursor is dropped keeps deciding
    /// on its rows until its snapshot is installed).
    public func followHubHistory(_ id: String, cursorsValidThrough: UInt64, replayInto: UInt64?) throws -> UInt64 {
        try replica.followHubHistory(id, cursorsValidThrough: cursorsValidThrough, replayInto: replayInto)
    }

    public func outbox(after: ChangeID?, limit: Int) throws -> [Change] {
        try replica.outbox(after: after, limit: limit)
    }

    public func sequenceChain(at id: ChangeID) throws -> String? { try replica.sequenceChain(at: id) }

    public func outboxStatus() throws -> OutboxStatus { try replica.outboxStatus() }
    public func oldestUnsynced() throws -> HybridTimestamp? { try replica.oldestUnsynced() }

    public func outboxTails() throws -> [EpochPosition] { try replica.outboxTails() }

    public func moveOutbox(fromEpoch: UInt64, toEpoch: UInt64) throws -> UInt64? {
        try replica.moveOutbox(fromEpoch: fromEpoch, toEpoch: toEpoch)
    }

    /// The decision views forget the rows too.
    public func dropExpired(now: UInt64) throws -> [RowRef] {
        let dropped = try replica.dropExpired(now: now)
        if !dropped.isEmpty { observer?.rowsChanged(dropped, in: replica) }
        return dropped
    }

    /// Collected tombstones were invisible already: no view changes.
    public func collectTombstones(channel: Channel, floor: UInt64) throws {
        try replica.collectTombstones(channel: channel, floor: floor)
    }

    public func collectedFloor(of channel: Channel) throws -> UInt64 { try replica.collectedFloor(of: channel) }
    public func highestRowSeq(in channel: Channel) throws -> UInt64 { try replica.highestRowSeq(in: channel) }

    /// Rows stay as they are until the snapshot that follows a restart.
    public func holdSchema(_ fingerprint: String, of channel: Channel, restart: Bool) throws {
        try replica.holdSchema(fingerprint, of: channel, restart: restart)
    }

    public func row(_ ref: RowRef) throws -> RowState? { try replica.row(ref) }

    public func rows(in channel: Channel) throws -> [SnapshotRow] { try replica.rows(in: channel) }
}

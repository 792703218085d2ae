/// The durable side of the hub: its log, merged rows, per-origin high-water
/// marks, claims on single-use items, and the fleet's last known state.
///
/// `commit` is one atomic transaction committed durably before it returns;
/// the hub acknowledges nothing before that. Two implementations pass the same
/// contract tests: SQLite and the simulator's in-memory store.
public protocol HubStore: AnyObject {
    /// Bumps the hub's durable epoch and returns what a run starts from. A
    /// store put back from a backup starts a new log history here (§9.6).
    func start() throws -> HubStartState
    /// The content hash and sequence chain logged for a change id (or
    /// recorded as an alias), kept even after collection.
    func logged(_ id: ChangeID) throws -> LoggedChange?
    /// The id under which a change with this content from `origin` was
    /// logged or recorded (an alias, or a change taken without being
    /// applied), if any.
    func loggedID(origin: NodeID, contentHash: String) throws -> ChangeID?
    func row(_ ref: RowRef) throws -> StoredRow?
    /// Whether the row is gone but the log still names it: its tombstone
    /// was collected (§12), or, for an event, its retention ended (§12.1).
    func wasCollected(_ ref: RowRef) throws -> Bool
    /// The earliest `ClaimTally.kept` claims on an item, in stamp order,
    /// and how many there are.
    func claimTally(kind: String, item: String) throws -> ClaimTally
    func commit(_ ingest: HubIngest) throws
    /// Log entries of `channel` with seq above `after`, in order.
    func entries(channel: Channel, after: UInt64, limit: Int) throws -> [LogEntry]
    /// `entries`, each as the compact bytes (§12.5) its change was logged
    /// as, undecoded.
    func entryBytes(channel: Channel, after: UInt64, limit: Int) throws -> [EntryBytes]
    /// The log's seq after which every entry fits a schema whose
    /// `changeCheckID` is `checkID`, as it was checked when it was logged;
    /// called after `start`. The mark is kept while every start since it
    /// was set called this with the same id (and `commit` moves it past an
    /// entry `HubIngest.uncheckedThrough` names); otherwise it moves to the
    /// log's last entry: what came before was checked under another id, or
    /// logged by a run that kept no mark (an older version, a tool).
    func logCheckedAfter(checkID: String) throws -> UInt64
    /// Every row of `channel`, ordered by table and key.
    func rows(in channel: Channel) throws -> [SnapshotRow]
    /// At most `limit` rows of `channel` after `after` (from the first when
    /// nil), by table then key comparing UTF-8 bytes: one window of a
    /// windowed snapshot (§9.5), read without reading the rest.
    func rows(in channel: Channel, after: RowRef?, limit: Int) throws -> [SnapshotRow]
    /// How many rows `channel` holds, tombstones included.
    func rowCount(in channel: Channel) throws -> UInt64
    /// Saves node records, all in one commit.
    func saveNodes(_ records: [NodeRecord]) throws
    /// Deletes the event rows past their table's retention at `now`, drops
    /// the payloads of their log entries (ids and hashes stay, for dedupe)
    /// and their claims on single-use items (§12.1).
    /// - Returns: how many rows were deleted.
    func dropExpired(now: UInt64) throws -> Int
    /// Deletes log entries whose payload is gone (collected or expired) and
    /// which were taken at least `horizonMillis` before `now` (§12.3): the
    /// store notes its log position at each call to tell their age.
    /// - Returns: per origin and epoch, the highest seq whose record went.
    func pruneLog(now: UInt64, horizonMillis: UInt64) throws -> [OriginEpoch: UInt64]
    /// Visible mutable rows whose retirement time (§12.2) is at or before
    /// `now`, earliest first, at most `limit`.
    func rowsToRetire(now: UInt64, limit: Int) throws -> [StoredRow]
    /// Drops tombstones of `channel` last touched at or below `through`, with
    /// the payloads of their log entries (ids and hashes stay, for dedupe).
    /// - Returns: the channel's new floor, or nil when nothing was collected.
    func collectTombstones(channel: Channel, through: UInt64) throws -> UInt64?
    /// Runs `body`, whose reads of this store (and only reads: it commits
    /// nothing) see one state of it and may share one transaction. The ingest
    /// of a batch reads a few rows per change: one by one, each read paid a
    /// trip through the database's queue and a transaction of its own, a
    /// quarter of the hub's CPU while gates drained their backlogs.
    func readingTogether<T>(_ body: () throws -> T) throws -> T
}

extension HubStore {
    /// A store with nothing to share between reads runs `body` as it is.
    public func readingTogether<T>(_ body: () throws -> T) throws -> T { try body() }
}

public struct OriginEpoch: Hashable, Sendable, Comparable {
    public var origin: NodeID
    public var epoch: UInt64

    public init(origin: NodeID, epoch: UInt64) {
        self.origin = origin
        self.epoch = epoch
    }

    public static func < (lhs: OriginEpoch, rhs: OriginEpoch) -> Bool {
        (lhs.origin, lhs.epoch) < (rhs.origin, rhs.epoch)
    }
}

/// The highest contiguous sequence committed for one origin and epoch, with
/// the sequence chain up to it and the timestamp of the change there (an
/// honest node's timestamps only grow, so the next change's may not be lower).
public struct HighWater: Hashable, Sendable {
    public var seq: UInt64
    public var chain: String
    public var hlc: HybridTimestamp

    public init(seq: UInt64, chain: String, hlc: HybridTimestamp = .zero) {
        self.seq = seq
        self.chain = chain
        self.hlc = hlc
    }
}

/// What the hub keeps of every change id it has taken, until the record is
/// pruned past the dedupe horizon (§12.3).
public struct LoggedChange: Hashable, Sendable {
    public var hash: String
    /// The sequence chain of the change's epoch up to it (empty for the hub's own).
    public var chain: String

    public init(hash: String, chain: String) {
        self.hash = hash
        self.chain = chain
    }
}

/// A merged row at the hub, with its channel and the last log entry that touched it.
public struct StoredRow: Hashable, Sendable {
    public var ref: RowRef
    public var channel: Channel
    public var seq: UInt64
    public var state: RowState

    public init(ref: RowRef, channel: Channel, seq: UInt64, state: RowState) {
        self.ref = ref
        self.channel = channel
        self.seq = seq
        self.state = state
    }
}

/// Everything one accepted batch changes at the hub, committed as one.
public struct HubIngest: Sendable {
    /// New log entries, with their content hashes and chains, in sequence order.
    public var entries: [(entry: LogEntry, logged: LoggedChange)] = []
    public var rows: [RowRef: StoredRow] = [:]
    public var highWaters: [OriginEpoch: HighWater] = [:]
    /// Ids of changes already logged under another id (renumbered by their
    /// node): they take their place in their epoch's sequence, with no entry.
    public var aliases: [(id: ChangeID, logged: LoggedChange)] = []
    public var claims: [Claim] = []
    public var clock: HybridTimestamp = .zero
    /// The seq of the last entry logged without fitting the schema (one the
    /// hub made itself: a correction that copies a value an older version
    /// let in, a conflict's ledger row grown past a text's bound): the
    /// store moves its check mark (`logCheckedAfter`) past it in the same
    /// transaction, so that a resend decodes the entry and leaves it out.
    public var uncheckedThrough: UInt64?

    public init() {}

    public var isEmpty: Bool { entries.isEmpty && aliases.isEmpty }
}

public struct HubStartState: Sendable {
    public var epoch: UInt64
    public var clock: HybridTimestamp
    public var lastSeq: UInt64
    public var highWaters: [OriginEpoch: HighWater]
    public var heads: [Channel: UInt64]
    public var floors: [Channel: UInt64]
    public var nodes: [NodeID: NodeRecord]
    public var history: HubHistory
    /// Per origin and epoch, the highest seq whose log record was pruned (§12.3).
    public var prunedThrough: [OriginEpoch: UInt64]

    public init(
        epoch: UInt64, clock: HybridTimestamp, lastSeq: UInt64, highWaters: [OriginEpoch: HighWater],
        heads: [Channel: UInt64], floors: [Channel: UInt64], nodes: [NodeID: NodeRecord], history: HubHistory,
        prunedThrough: [OriginEpoch: UInt64] = [:]
    ) {
        self.epoch = epoch
        self.clock = clock
        self.lastSeq = lastSeq
        self.highWaters = highWaters
        self.heads = heads
        self.floors = floors
        self.nodes = nodes
        self.history = history
        self.prunedThrough = prunedThrough
    }
}

/// The histories of the hub's log (§9.6). A store put back from a backup
/// starts a new history at the log position the backup holds, so nodes that
/// applied entries past it learn that those numbers now mean other changes.
public struct HubHistory: Sendable, Equatable {
    /// Oldest first; the current history is the last.
    public var marks: [HistoryMark]
    /// Set when the current history began with a restore from a backup.
    public var restore: Restore?

    public struct Restore: Sendable, Equatable {
        /// When the hub first started on the restored store (hub time, ms).
        public var startedAt: UInt64
        /// When the backup was taken (hub time, ms): the fleet's changes made
        /// since then may be lost to the hub and come back from the nodes.
        public var backupTakenAt: UInt64

        public init(startedAt: UInt64, backupTakenAt: UInt64) {
            self.startedAt = startedAt
            self.backupTakenAt = backupTakenAt
        }
    }

    public init(marks: [HistoryMark], restore: Restore? = nil) {
        self.marks = marks
        self.restore = restore
    }
}

/// What the hub knows of one node, from its birth, death and heartbeats.
public struct NodeRecord: Hashable, Sendable, Codable {
    public var node: NodeID
    public var mall: String
    public var role: Role
    public var online: Bool
    public var epoch: UInt64
    public var software: String
    /// Hub time of the last message from the node.
    public var lastSeen: UInt64
    /// The node's clock minus the hub's, from the last message's send time.
    public var skewMillis: Int64
    public var cursors: [ChannelPosition]
    public var outboxDepth: Int
    public var oldestUnsyncedAt: UInt64?
    /// What the node's last birth said it reads in live batches (§7.2):
    /// absent from an older node, which reads JSON only.
    public var entryEncoding: String?

    public init(
        node: NodeID, mall: String, role: Role, online: Bool = false, epoch: UInt64 = 0, software: String = "",
        lastSeen: UInt64 = 0, skewMillis: Int64 = 0, cursors: [ChannelPosition] = [], outboxDepth: Int = 0,
        oldestUnsyncedAt: UInt64? = nil
    ) {
        self.node = node
        self.mall = mall
        self.role = role
        self.online = online
        self.epoch = epoch
        self.software = software
        self.lastSeen = lastSeen
        self.skewMillis = skewMillis
        self.cursors = cursors
        self.outboxDepth = outboxDepth
        self.oldestUnsyncedAt = oldestUnsyncedAt
    }

    public func cursor(of channel: Channel) -> UInt64? {
        cursors.first { $0.channel == channel }?.seq
    }
}

/// A log entry as its store holds it: its seq and its change's compact
/// bytes (§12.5), not decoded.
public struct EntryBytes: Sendable, Equatable {
    public var seq: UInt64
    public var change: [UInt8]

    public init(seq: UInt64, change: [UInt8]) {
        self.seq = seq
        self.change = change
    }
}

/// What a resend answer needs of an entry, in either form it is read in.
protocol SequencedEntry {
    var seq: UInt64 { get }
}

extension LogEntry: SequencedEntry {}
extension EntryBytes: SequencedEntry {}

/// Protocol v1 messages. `sync-protocol/SPEC.md` is their normative description;
/// `sync-protocol/schemas/` has a JSON schema for each.
public enum WireMessage: Hashable, Sendable {
    // Node to hub.
    case birth(Birth)
    case death(Death)
    case changes(ChangeBatch)
    case heartbeat(Heartbeat)
    case resend(ResendRequest)
    case snapshotRequest(SnapshotRequest)
    // Hub to node.
    case ack(Ack)
    case batch(LogBatch)
    case snapshotPart(SnapshotPart)
    case control(Control)
    case hubStatus(HubStatus)

    public static let protocolVersion = 1

    public var type: String {
        switch self {
        case .birth: "birth"
        case .death: "death"
        case .changes: "changes"
        case .heartbeat: "heartbeat"
        case .resend: "resend"
        case .snapshotRequest: "snapshot-request"
        case .ack: "ack"
        case .batch: "batch"
        case .snapshotPart: "snapshot"
        case .control: "control"
        case .hubStatus: "hub-status"
        }
    }
}

/// A channel and a hub sequence number on it.
public struct ChannelPosition: Hashable, Sendable, Codable {
    public var channel: Channel
    public var seq: UInt64

    public init(channel: Channel, seq: UInt64) {
        self.channel = channel
        self.seq = seq
    }
}

/// Sent by a node when it connects, with the epoch of this run and where its
/// channels stand. The hub answers with acks, catch-up or snapshots.
public struct Birth: Hashable, Sendable, Codable {
    public var node: NodeID
    public var mall: String
    public var role: Role
    public var epoch: UInt64
    public var sentAt: UInt64
    public var cursors: [ChannelPosition]
    public var software: String
    /// The hub log history the cursors refer to (§9.6), once the node has
    /// seen one: a hub counts the cursors only under its current history.
    public var history: String?
    /// `Change.bytesEncoding` from a node that reads live batches'
    /// `entryBytes` (§7.2): once every node of a channel has said so, the
    /// hub fans the channel's batches out as bytes.
    public var entryEncoding: String?

    public init(
        node: NodeID, mall: String, role: Role, epoch: UInt64, sentAt: UInt64, cursors: [ChannelPosition],
        software: String, history: String? = nil, entryEncoding: String? = nil
    ) {
        self.node = node
        self.mall = mall
        self.role = role
        self.epoch = epoch
        self.sentAt = sentAt
        self.cursors = cursors
        self.software = software
        self.history = history
        self.entryEncoding = entryEncoding
    }
}

/// The node's last will, published by the broker when the node vanishes.
public struct Death: Hashable, Sendable, Codable {
    public var node: NodeID
    public var epoch: UInt64

    public init(node: NodeID, epoch: UInt64) {
        self.node = node
        self.epoch = epoch
    }
}

/// Changes from a node's outbox, in `(epoch, seq)` order.
public struct ChangeBatch: Hashable, Sendable {
    public var node: NodeID
    public var sentAt: UInt64
    public var changes: [Change]
    /// The hub log history the node follows (§9.6), once it has seen one: a
    /// restored hub takes nothing from a node that has not yet heard of the
    /// restore, since the node sends it all again, in order, once it has.
    public var history: String?
    /// Whether `changes` travel as `changeBytes` (§7.1): set by a node whose
    /// hub's status says it takes them, and on decoding.
    public var changesAsBytes: Bool
    /// The node's sequence chain (§4.2) of the first change's epoch at the
    /// change before it (`""` when the first is seq 1); nil when the node no
    /// longer knows it, or predates it. A node whose disk rolled back to an
    /// epoch the hub holds can number its next change `hw + 1` and stamp it
    /// above the hub's change at `hw`: only this chain shows the hub that
    /// another run continues the epoch (§8.5).
    public var chainBefore: String?

    public init(
        node: NodeID, sentAt: UInt64, changes: [Change], history: String? = nil, changesAsBytes: Bool = false,
        chainBefore: String? = nil
    ) {
        self.node = node
        self.sentAt = sentAt
        self.changes = changes
        self.history = history
        self.changesAsBytes = changesAsBytes
        self.chainBefore = chainBefore
    }
}

/// A node's periodic state report: what the hub shows operators and uses for
/// tombstone collection.
public struct Heartbeat: Hashable, Sendable, Codable {
    public var node: NodeID
    public var epoch: UInt64
    public var sentAt: UInt64
    public var hlc: HybridTimestamp
    public var outboxDepth: Int
    /// The HLC wall time of the oldest change not yet acknowledged, if any.
    public var oldestUnsyncedAt: UInt64?
    /// The last change this node created; once the hub holds it, every change
    /// the node made before this report has arrived.
    public var outboxHead: ChangeID?
    public var cursors: [ChannelPosition]
    /// The hub log history the cursors refer to (§9.6), once the node has
    /// seen one: a hub counts the cursors only under its current history.
    public var history: String?

    public init(
        node: NodeID, epoch: UInt64, sentAt: UInt64, hlc: HybridTimestamp, outboxDepth: Int,
        oldestUnsyncedAt: UInt64?, outboxHead: ChangeID?, cursors: [ChannelPosition], history: String? = nil
    ) {
        self.node = node
        self.epoch = epoch
        self.sentAt = sentAt
        self.hlc = hlc
        self.outboxDepth = outboxDepth
        self.oldestUnsyncedAt = oldestUnsyncedAt
        self.outboxHead = outboxHead
        self.cursors = cursors
        self.history = history
    }
}

/// "Send me every entry of this channel after `after`."
public struct ResendRequest: Hashable, Sendable, Codable {
    public var node: NodeID
    public var channel: Channel
    public var after: UInt64
    /// `"bytes/1"` (`Change.bytesEncoding`) from a node that takes the
    /// entries as compact bytes (§7.2); nil, or a value the hub does not
    /// know, for JSON entries.
    public var entryEncoding: String?

    public init(node: NodeID, channel: Channel, after: UInt64, entryEncoding: String? = nil) {
        self.entryEncoding = entryEncoding
        self.node = node
        self.channel = channel
        self.after = after
    }
}

/// An epoch of the sender and a sequence number in it.
public struct EpochPosition: Hashable, Sendable, Codable {
    public var epoch: UInt64
    public var seq: UInt64

    public init(epoch: UInt64, seq: UInt64) {
        self.epoch = epoch
        self.seq = seq
    }
}

public struct SnapshotRequest: Hashable, Sendable, Codable {
    public var node: NodeID
    public var channel: Channel
    /// Per epoch in the node's outbox, ascending, the seq of its last change
    /// there (nil when the outbox is empty), so the snapshot can say which of
    /// them the hub already holds.
    public var outbox: [EpochPosition]?
    /// True from a node that takes snapshots in windows (§9.5): the hub
    /// answers with one window. Without it, the whole channel at once.
    public var windowed: Bool?
    /// Where a windowed snapshot continues: after the last row the node
    /// staged (nil: from the start).
    public var resume: SnapshotProgress?
    /// `"bytes/1"` (`SnapshotRow.bytesEncoding`) from a node that takes the
    /// rows as compact bytes (§7.2); nil, or a value the hub does not know,
    /// for JSON rows.
    public var rowEncoding: String?
    /// The newest `SnapshotChain.Version` the node checks, as a number; nil
    /// from a node that checks version 1 only.
    public var chainVersion: Int?

    public init(
        node: NodeID, channel: Channel, outbox: [EpochPosition]? = nil, windowed: Bool? = nil,
        resume: SnapshotProgress? = nil, rowEncoding: String? = nil, chainVersion: Int? = nil
    ) {
        self.chainVersion = chainVersion
        self.rowEncoding = rowEncoding
        self.node = node
        self.channel = channel
        self.outbox = outbox
        self.windowed = windowed
        self.resume = resume
    }
}

/// A sequence of one epoch the hub has durably committed up to, with the
/// sequence chain (`SequenceChain`) at that point, so an ack can never prune
/// changes other than the ones the hub holds.
public struct AckEntry: Hashable, Sendable, Codable {
    public var epoch: UInt64
    public var upTo: UInt64
    public var hash: String

    public init(epoch: UInt64, upTo: UInt64, hash: String) {
        self.epoch = epoch
        self.upTo = upTo
        self.hash = hash
    }
}

public struct Ack: Hashable, Sendable, Codable {
    public var node: NodeID
    public var acks: [AckEntry]

    public init(node: NodeID, acks: [AckEntry]) {
        self.node = node
        self.acks = acks
    }
}

/// A change as the hub logged it, with its hub sequence number.
public struct LogEntry: Hashable, Sendable, Codable {
    public var seq: UInt64
    public var change: Change {
        didSet {
            changeBytes = nil
            insertedRow = nil
        }
    }
    /// The compact bytes (§12.5) `change` was decoded from, if it was: an
    /// entry read from the hub's log goes into a resend answer as those
    /// bytes instead of being encoded again. Any change to `change` forgets them.
    private(set) var changeBytes: [UInt8]?
    /// For an insert decoded from a message's `entryBytes`, the row it makes
    /// of a key not held yet, made where the message is decoded: a node's
    /// catch-up is mostly such inserts, and building and encoding their
    /// states was a sixth of the work of the actor that applies them, which
    /// bounds the catch-up, while the thread that decodes the next message
    /// waits. Any change to `change` forgets it.
    public internal(set) var insertedRow: InsertedRow?

    public init(seq: UInt64, change: Change) {
        self.seq = seq
        self.change = change
    }

    /// An entry whose change was decoded from `changeBytes`, its canonical
    /// compact bytes, which it keeps.
    public init(seq: UInt64, change: Change, changeBytes: [UInt8]) {
        self.init(seq: seq, change: change)
        self.changeBytes = changeBytes
    }

    private enum CodingKeys: String, CodingKey {
        case seq, change
    }

    public static func == (lhs: LogEntry, rhs: LogEntry) -> Bool {
        lhs.seq == rhs.seq && lhs.change == rhs.change
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(seq)
        hasher.combine(change)
    }
}

/// The row an insert makes of a key that holds no row yet: its merge state
/// and that state's compact bytes (§12.5), as a store writes them.
public struct InsertedRow: Sendable {
    public let state: RowState
    public let stateBytes: [UInt8]

    package init(_ insert: Change) {
        var state = RowState()
        state.apply(insert)
        self.state = state
        stateBytes = state.bytes
    }

    init(state: RowState, stateBytes: [UInt8]) {
        self.state = state
        self.stateBytes = stateBytes
    }
}

/// Every logged entry of `channel` with `prev < seq <= upTo`, in order.
///
/// The explicit range lets a node tell a gap (prev above its cursor) from a
/// range that is merely sparse (entries of other channels, collected tombstones).
public struct LogBatch: Hashable, Sendable, Codable {
    public var channel: Channel
    public var prev: UInt64
    public var upTo: UInt64
    /// The entries, as decoded or made, or read from `encodedEntries`.
    public var entries: [LogEntry] {
        get {
            // The bytes a hub's store held, which it checked when it logged
            // them: read here only where a message travels as a value (the
            // simulator); on the wire they are decoded, and checked, as any
            // other batch's.
            guard let encodedEntries else { return decodedEntries }
            return (try? LogEntry.entries(fromBytes: encodedEntries)) ?? []
        }
        set {
            decodedEntries = newValue
            encodedEntries = nil
        }
    }
    var decodedEntries: [LogEntry]
    /// The entries already encoded as their `entryBytes` (§7.2), in place
    /// of decoded ones: the hub's resend answer of entries it checked when
    /// it logged them, as its store holds them. Never set on decoding.
    var encodedEntries: [UInt8]?
    /// The hub log history these sequence numbers belong to (§9.6): a node
    /// following another one ignores the batch (one of a log the hub has
    /// gone back on, delivered late, would skip entries of the current one).
    public var history: String?
    /// Whether `entries` travel as `entryBytes` (§7.2): set by the hub in a
    /// resend answer to a node that asked for them, and on decoding.
    public var entriesAsBytes: Bool
    /// Set on the last batch of a resend answer that stopped short of the
    /// hub's head (§9.2): the node asks for the rest at once instead of
    /// after `catchUpDelayMillis`, which made a catch-up take about a second
    /// per `maxResendEntries`.
    public var more: Bool

    public init(
        channel: Channel, prev: UInt64, upTo: UInt64, entries: [LogEntry], history: String? = nil,
        entriesAsBytes: Bool = false, more: Bool = false
    ) {
        self.entriesAsBytes = entriesAsBytes
        self.more = more
        self.channel = channel
        self.prev = prev
        self.upTo = upTo
        decodedEntries = entries
        encodedEntries = nil
        self.history = history
    }

    /// Equal by what they say, whichever form their entries are held in.
    public static func == (lhs: LogBatch, rhs: LogBatch) -> Bool {
        lhs.channel == rhs.channel && lhs.prev == rhs.prev && lhs.upTo == rhs.upTo && lhs.history == rhs.history
            && lhs.entriesAsBytes == rhs.entriesAsBytes && lhs.more == rhs.more && lhs.entries == rhs.entries
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(channel)
        hasher.combine(prev)
        hasher.combine(upTo)
        hasher.combine(entries)
    }
}

/// One row's full merge state, as a snapshot carries it, with the hub
/// sequence of the last log entry that touched it (tombstones are collected
/// once a channel's floor passes it).
public struct SnapshotRow: Hashable, Sendable, Codable {
    public var table: String
    public var key: String
    public var seq: UInt64
    public var state: RowState {
        didSet { decodedFrom = nil }
    }
    /// The compact bytes (§12.5) `state` was decoded from, if it was (or
    /// encoded as, for the row an insert made where its entry was decoded,
    /// `InsertedRow`): a snapshot row read from a store or the wire goes on
    /// as those bytes instead of being encoded again. Any change to `state`
    /// forgets them.
    private(set) var decodedFrom: [UInt8]?

    public init(table: String, key: String, seq: UInt64, state: RowState) {
        self.table = table
        self.key = key
        self.seq = seq
        self.state = state
    }

    /// The row an insert made of a new key (`InsertedRow`), with its bytes.
    public init(table: String, key: String, seq: UInt64, inserted: InsertedRow) {
        self.init(table: table, key: key, seq: seq, state: inserted.state)
        decodedFrom = inserted.stateBytes
    }

    /// A row whose state is decoded from `stateBytes`, which it keeps.
    public init(table: String, key: String, seq: UInt64, stateBytes: [UInt8]) throws(CompactBytes.Malformed) {
        self.init(table: table, key: key, seq: seq, state: try RowState(bytes: stateBytes))
        decodedFrom = stateBytes
    }

    public var ref: RowRef { RowRef(table: table, key: key) }

    /// `state` as compact bytes: the bytes it was decoded from, which are
    /// its encoding (the decoder takes canonical bytes only), or encoded now.
    public var stateBytes: [UInt8] { decodedFrom ?? state.bytes }

    private enum CodingKeys: String, CodingKey {
        case table, key, seq, state
    }

    public static func == (lhs: SnapshotRow, rhs: SnapshotRow) -> Bool {
        lhs.table == rhs.table && lhs.key == rhs.key && lhs.seq == rhs.seq && lhs.state == rhs.state
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(table)
        hasher.combine(key)
        hasher.combine(seq)
        hasher.combine(state)
    }
}

/// Part `part` (from 0) of `parts` of the state of `channel` at hub sequence `at`.
public struct SnapshotPart: Hashable, Sendable, Codable {
    public var node: NodeID
    public var channel: Channel
    public var snapshotID: String
    public var at: UInt64
    public var part: Int
    public var parts: Int
    public var rows: [SnapshotRow]
    /// The same in every part: acks for the outbox the request listed (nil
    /// when none). The rows already contain every change they prune, so the
    /// node must prune those instead of re-applying them: a row the hub has
    /// since deleted and collected would come back.
    public var acks: [AckEntry]?
    /// The hub log history `at` belongs to (§9.6), as in a batch.
    public var history: String?
    /// Which window of a windowed snapshot these parts make up (§9.5); nil
    /// for a snapshot of the whole channel, to a node that did not ask for windows.
    public var window: SnapshotWindow?
    /// Whether `rows` travel as `rowBytes` (§7.2): set by the hub for a node
    /// that asked for them, and on decoding from what arrived.
    public var rowsAsBytes: Bool

    public init(
        node: NodeID, channel: Channel, snapshotID: String, at: UInt64, part: Int, parts: Int, rows: [SnapshotRow],
        acks: [AckEntry]? = nil, history: String? = nil, window: SnapshotWindow? = nil, rowsAsBytes: Bool = false
    ) {
        self.window = window
        self.rowsAsBytes = rowsAsBytes
        self.node = node
        self.channel = channel
        self.snapshotID = snapshotID
        self.at = at
        self.part = part
        self.parts = parts
        self.rows = rows
        self.acks = acks
        self.history = history
    }
}

/// An instruction from the hub to one node.
public struct Control: Hashable, Sendable, Codable {
    public enum Command: String, Hashable, Sendable, Codable {
        /// The channel's log no longer reaches back to the node's cursor.
        case resnapshot
        /// Another run of this node already used `epoch` for different changes
        /// (its disk rolled back): move unacknowledged changes to `minEpoch` or above.
        case epochSuperseded = "epoch-superseded"
        /// The hub does not speak the node's protocol version.
        case unsupportedVersion = "unsupported-version"
    }

    public var node: NodeID
    public var command: Command
    public var channel: Channel?
    public var epoch: UInt64?
    public var minEpoch: UInt64?

    public init(node: NodeID, command: Command, channel: Channel? = nil, epoch: UInt64? = nil, minEpoch: UInt64? = nil)
    {
        self.node = node
        self.command = command
        self.channel = channel
        self.epoch = epoch
        self.minEpoch = minEpoch
    }
}

/// The hub's own state, published retained (and as its last will, offline).
public struct HubStatus: Hashable, Sendable, Codable {
    public var online: Bool
    public var epoch: UInt64
    public var sentAt: UInt64
    /// The last hub sequence number of each channel.
    public var heads: [ChannelPosition]
    /// Below these, a channel's log has been collected: a cursor under its
    /// floor can only catch up by snapshot.
    public var floors: [ChannelPosition]
    /// The hub's log histories, oldest first, the current one last (§9.6):
    /// a restored hub starts a new one, and a node whose cursors came from a
    /// history the log has since gone back on learns how far they still hold.
    /// Absent from the last will.
    public var history: [HistoryMark]?
    /// `Change.bytesEncoding` when the hub takes `changeBytes` in a node's
    /// `changes` (§7.1); absent from an older hub, which takes JSON only.
    public var changeEncoding: String?

    public init(
        online: Bool, epoch: UInt64, sentAt: UInt64, heads: [ChannelPosition], floors: [ChannelPosition],
        history: [HistoryMark]? = nil, changeEncoding: String? = nil
    ) {
        self.online = online
        self.epoch = epoch
        self.sentAt = sentAt
        self.heads = heads
        self.floors = floors
        self.history = history
        self.changeEncoding = changeEncoding
    }
}

/// One history of the hub's log: its id, and the hub sequence up to which it
/// shares the log of the history before it (0 for the first).
public struct HistoryMark: Hashable, Sendable, Codable {
    public var id: String
    public var from: UInt64

    public init(id: String, from: UInt64) {
        self.id = id
        self.from = from
    }

    /// How many marks a status carries at most: the newest, enough for any
    /// node that was offline across a few restores; an older one re-snapshots.
    public static let kept = 16
}

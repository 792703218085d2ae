/// One replicated write: a row inserted, some of its columns updated, or the
/// row deleted.
///
/// Changes are the only thing that crosses the wire upstream, and (with a hub
/// sequence number) downstream. They are values: merging them is pure.
public struct Change: Hashable, Sendable, Codable {
    public enum Operation: String, Hashable, Sendable, Codable {
        /// Creates the row (keys are never reused) and sets the given columns.
        case insert
        /// Sets the given columns of an existing row.
        case update
        /// Deletes the row for good; later writes to it have no effect.
        case delete
    }

    public var id: ChangeID
    public var hlc: HybridTimestamp
    public var table: String
    public var key: String
    public var channel: Channel
    public var op: Operation
    public var columns: [String: Value]

    public init(
        id: ChangeID, hlc: HybridTimestamp, table: String, key: String,
        channel: Channel, op: Operation, columns: [String: Value] = [:]
    ) {
        self.id = id
        self.hlc = hlc
        self.table = table
        self.key = key
        self.channel = channel
        self.op = op
        self.columns = columns
    }

    /// The position of this change in last-writer-wins order: clock first, then
    /// origin, epoch and sequence as a deterministic tie-break.
    public var stamp: Stamp { Stamp(hlc: hlc, id: id) }
}

/// Last-writer-wins order over changes. Two distinct changes never compare equal.
public struct Stamp: Hashable, Comparable, Sendable, Codable {
    public var hlc: HybridTimestamp
    public var id: ChangeID

    public init(hlc: HybridTimestamp, id: ChangeID) {
        self.hlc = hlc
        self.id = id
    }

    public static func < (lhs: Stamp, rhs: Stamp) -> Bool {
        if lhs.hlc != rhs.hlc { return lhs.hlc < rhs.hlc }
        return lhs.id < rhs.id
    }
}

/// Something a change can be about: the row, and the columns that travel with it.
public struct RowRef: Hashable, Sendable, Comparable, Codable {
    public var table: String
    public var key: String

    public init(table: String, key: String) {
        self.table = table
        self.key = key
    }

    public static func < (lhs: RowRef, rhs: RowRef) -> Bool {
        (lhs.table, lhs.key) < (rhs.table, rhs.key)
    }
}

extension Change {
    public var row: RowRef { RowRef(table: table, key: key) }

    /// Whether a node's replica merges this change into its row (SPEC §12),
    /// given the row it holds (nil: none). An insert always merges. An
    /// update or delete:
    /// - made by the node itself, only into a row it holds inserted. Made on
    ///   a row it does not (one a snapshot just replaced, or whose tombstone
    ///   it collected), it would leave a row of cells with no insert that the
    ///   hub never holds: the hub takes a node's update of a row it does not
    ///   hold inserted without applying it (§14.1). It still goes to the hub,
    ///   and if the hub applies it, its log entry brings it back.
    /// - from the hub's log, only into a row the node holds: the hub logs an
    ///   update or delete only of a row it holds inserted, and the log brings
    ///   the insert first, so a row the node lacks is one deleted and
    ///   collected here (the hub may still hold its tombstone and log an
    ///   update it absorbs).
    public func merges(into held: RowState?, local: Bool) -> Bool {
        op == .insert || (local ? held?.inserted == true : held != nil)
    }
}

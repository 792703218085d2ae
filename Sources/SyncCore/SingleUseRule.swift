/// A rule for what cannot merge: an item that may be used once (a voucher,
/// a ticket's entry) used by two events. Both events are kept; the
/// earliest by hybrid clock (then by change id) stands, and the hub records
/// a conflict that every replica of the channel receives.
public struct SingleUseRule: Sendable, Hashable {
    public var kind: String
    public var table: String
    public var itemColumn: String
    /// Only events with all of these column values count as a use.
    public var filters: [(column: String, value: Value)]

    public static let ruleName = "earliest-hlc-wins"

    public init(kind: String, table: String, itemColumn: String, filters: [(column: String, value: Value)] = []) {
        self.kind = kind
        self.table = table
        self.itemColumn = itemColumn
        self.filters = filters
    }

    public static func == (lhs: SingleUseRule, rhs: SingleUseRule) -> Bool {
        lhs.kind == rhs.kind
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }

    /// The claim this change makes on an item, if the rule covers it.
    public func claim(for change: Change) -> Claim? {
        guard change.table == table, change.op == .insert,
            case .text(let item)? = change.columns[itemColumn], !item.isEmpty
        else { return nil }
        if filters.contains(where: { change.columns[$0.column] != $0.value }) { return nil }
        return Claim(kind: kind, item: item, stamp: change.stamp, rowKey: change.key, channel: change.channel)
    }

    /// The conflict for an item with two or more claims, or nil.
    public static func conflict(kind: String, tally: ClaimTally) -> ConflictOutcome? {
        guard tally.count >= 2, let winner = tally.earliest.first else { return nil }
        return ConflictOutcome(
            kind: kind, item: winner.item, winner: winner, losers: Array(tally.earliest.dropFirst()),
            claims: tally.count)
    }
}

/// One event's use of a single-use item.
public struct Claim: Hashable, Sendable, Codable {
    public var kind: String
    public var item: String
    public var stamp: Stamp
    public var rowKey: String
    public var channel: Channel

    public init(kind: String, item: String, stamp: Stamp, rowKey: String, channel: Channel) {
        self.kind = kind
        self.item = item
        self.stamp = stamp
        self.rowKey = rowKey
        self.channel = channel
    }
}

/// The decided outcome of a single-use conflict.
public struct ConflictOutcome: Hashable, Sendable {
    public var kind: String
    public var item: String
    public var winner: Claim
    /// The earliest void claims (at most `ClaimTally.kept` - 1 of them).
    public var losers: [Claim]
    /// Every claim on the item, the winner included.
    public var claims: Int

    /// `kind:item` when that is a valid row key; otherwise (an item of
    /// more than about 100 bytes, or with a control character: a stolen node
    /// chooses it) `kind:h:` and a 128-bit digest of the item. A hub-made row
    /// under a key the schema refuses would make every node refuse the
    /// channel's batches and snapshots for good.
    public var rowKey: String {
        let plain = "\(kind):\(item)"
        guard SyncSchema.violation(ofKey: plain) != nil else { return plain }
        return "\(kind):h:\(Digest64.fullHex(of: Array(item.utf8)).prefix(32))"
    }
}

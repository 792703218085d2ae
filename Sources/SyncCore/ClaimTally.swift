/// What the hub keeps in hand of one single-use item's claims: the earliest
/// few, in stamp order, and how many there are in all. The ledger lists no
/// more than `kept` sides and counts the rest, so a stolen device that uses
/// one code a hundred thousand times costs the hub a few comparisons per
/// use, not a sort of every earlier use.
public struct ClaimTally: Hashable, Sendable {
    /// The sides a ledger row lists (`ConflictOutcome.maxListedSides`).
    public static let kept = 40

    /// The earliest claims, oldest first, at most `kept`.
    public private(set) var earliest: [Claim] = []
    /// Every claim on the item.
    public private(set) var count = 0

    public init() {}

    /// The tally of `claims` in any order.
    public init(_ claims: some Sequence<Claim>) {
        for claim in claims { add(claim) }
    }

    /// The tally as a store read it: the earliest claims in order, and the count.
    public init(earliest: [Claim], count: Int) {
        self.earliest = Array(earliest.prefix(Self.kept))
        self.count = max(count, self.earliest.count)
    }

    public mutating func add(_ claim: Claim) {
        count += 1
        // Binary search for the first kept claim later than this one.
        var low = 0
        var high = earliest.count
        while low < high {
            let middle = (low + high) / 2
            if earliest[middle].stamp < claim.stamp { low = middle + 1 } else { high = middle }
        }
        guard low < Self.kept else { return }
        earliest.insert(claim, at: low)
        if earliest.count > Self.kept { earliest.removeLast() }
    }
}

/// The login locks the nodes of a mall set (replicated `staff_lockouts`
/// rows), as each node honours them: a staff id locked at one desk is locked
/// at every desk, but a lock row cannot do more than an honest lockout would.
///
/// - A lock holds for at most one lockout from the stamp of its row, whatever
///   `until` it names (the hub keeps stamps within an hour of its clock).
/// - Each node's locks are honoured up to `perNodePerHour` within any hour,
///   the earliest first: an honest node sets a few a day, so a stolen node
///   forging locks can keep at most that many ids out at a time, not every
///   member of staff.
public struct FleetLocks: Sendable {
    public struct Lock: Hashable, Sendable {
        public var staffID: String
        /// The node that set it (the row's `node`, which the hub checks is its origin).
        public var node: String
        public var until: UInt64
        /// The wall time of the row's stamp.
        public var stampedAt: UInt64

        public init(staffID: String, node: String, until: UInt64, stampedAt: UInt64) {
            self.staffID = staffID
            self.node = node
            self.until = until
            self.stampedAt = stampedAt
        }
    }

    public static let perNodePerHour = 20

    public let lockoutMillis: UInt64
    private var honoured: [String: [Lock]] = [:]

    public init(_ locks: [Lock], lockoutMillis: UInt64 = LoginThrottle.Configuration().lockoutMillis) {
        self.lockoutMillis = lockoutMillis
        let hour: UInt64 = 3_600_000
        for (_, nodeLocks) in Dictionary(grouping: locks, by: \.node) {
            // The stamps of the node's honoured locks, oldest first; those
            // before `first` are more than an hour behind the lock at hand.
            var kept: [UInt64] = []
            var first = 0
            for lock in nodeLocks.sorted(by: { ($0.stampedAt, $0.staffID) < ($1.stampedAt, $1.staffID) }) {
                let windowStart = lock.stampedAt > hour ? lock.stampedAt - hour : 0
                while first < kept.count && kept[first] <= windowStart { first += 1 }
                guard kept.count - first < Self.perNodePerHour else { continue }
                kept.append(lock.stampedAt)
                honoured[lock.staffID, default: []].append(lock)
            }
        }
    }

    /// The latest end of the locks on `staffID` still holding at `now`, or nil.
    public func end(for staffID: String, now: UInt64) -> UInt64? {
        honoured[staffID]?.compactMap { lock in
            let (stampedEnd, overflow) = lock.stampedAt.addingReportingOverflow(lockoutMillis)
            let end = min(lock.until, overflow ? .max : stampedEnd)
            return end > now ? end : nil
        }.max()
    }
}

/// The downstream state of one channel at a node: its cursor, gap detection,
/// resend and snapshot requests.
///
/// A value that takes an event and returns the actions to perform; the caller
/// performs them (an atomic apply, a message) and reports back only by calling
/// `applied` after a successful commit.
public struct ChannelSync: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        /// How long a known gap may stay open before the node asks for it.
        public var catchUpDelayMillis: UInt64
        /// How long to wait for a resend or snapshot before asking again.
        public var requestTimeoutMillis: UInt64

        public init(catchUpDelayMillis: UInt64 = 1000, requestTimeoutMillis: UInt64 = 4000) {
            self.catchUpDelayMillis = catchUpDelayMillis
            self.requestTimeoutMillis = requestTimeoutMillis
        }
    }

    public enum Action: Equatable, Sendable {
        /// Apply these entries and set the cursor to `upTo`, in one transaction.
        case apply(entries: [LogEntry], upTo: UInt64)
        case requestResend(after: UInt64)
        case requestSnapshot
        /// Prune the outbox by `acks` (changes the rows already contain), then
        /// replace the channel with this state at hub sequence `at`, in one transaction.
        case installSnapshot(rows: [SnapshotRow], at: UInt64, acks: [AckEntry])
    }

    public let channel: Channel
    public let configuration: Configuration
    /// The hub sequence applied so far; nil until a first snapshot is installed.
    public private(set) var cursor: UInt64?
    public private(set) var knownHead: UInt64 = 0
    public private(set) var knownFloor: UInt64 = 0
    private var behindSince: UInt64?
    private var requestedAt: UInt64?
    private var snapshotRequested = false
    private var assembly: SnapshotAssembly?

    public init(channel: Channel, cursor: UInt64?, configuration: Configuration = .init()) {
        self.channel = channel
        self.cursor = cursor
        self.configuration = configuration
    }

    public var isBehind: Bool { cursor.map { $0 < knownHead } ?? true }

    public mutating func received(_ batch: LogBatch, now: UInt64) -> [Action] {
        knownHead = max(knownHead, batch.upTo)
        guard let cursor, !snapshotRequested else { return startIfNeeded(now: now) }
        if batch.upTo <= cursor { return [] }
        if batch.prev > cursor {
            if cursor < knownFloor { return requestSnapshot(now: now) }
            return requestResendIfDue(now: now)
        }
        let fresh = batch.entries.filter { $0.seq > cursor }
        return [.apply(entries: fresh, upTo: batch.upTo)]
    }

    /// The hub's periodic heads and floors.
    public mutating func received(head: UInt64, floor: UInt64, now: UInt64) -> [Action] {
        knownHead = max(knownHead, head)
        knownFloor = max(knownFloor, floor)
        guard let cursor, !snapshotRequested else { return startIfNeeded(now: now) }
        if cursor < knownFloor { return requestSnapshot(now: now) }
        return tick(now: now)
    }

    /// The hub says the log no longer reaches back to our cursor.
    public mutating func resnapshotRequired(now: UInt64) -> [Action] {
        requestSnapshot(now: now, force: true)
    }

    public mutating func received(_ part: SnapshotPart, now: UInt64) -> [Action] {
        guard snapshotRequested || cursor == nil else { return [] }
        // A snapshot older than what is applied would take the replica back.
        if let cursor, part.at < cursor { return [] }
        if assembly?.id != part.snapshotID {
            // Only a strictly newer answer replaces one being assembled; a
            // stalled one is dropped when the request is repeated.
            if let current = assembly, current.at >= part.at { return [] }
            assembly = SnapshotAssembly(id: part.snapshotID, at: part.at, parts: part.parts, acks: part.acks ?? [])
        }
        assembly!.add(part)
        guard let rows = assembly!.complete() else { return [] }
        let (at, acks) = (assembly!.at, assembly!.acks)
        assembly = nil
        return [.installSnapshot(rows: rows, at: at, acks: acks)]
    }

    /// Call after an `.apply` or `.installSnapshot` was committed.
    public mutating func applied(upTo: UInt64, now: UInt64) {
        cursor = max(cursor ?? 0, upTo)
        snapshotRequested = false
        requestedAt = nil
        behindSince = nil
        knownHead = max(knownHead, upTo)
    }

    public mutating func tick(now: UInt64) -> [Action] {
        guard let cursor, !snapshotRequested else { return startIfNeeded(now: now) }
        guard cursor < knownHead else {
            behindSince = nil
            return []
        }
        if behindSince == nil { behindSince = now }
        guard Timer.isDue(since: behindSince, every: configuration.catchUpDelayMillis, now: now) else { return [] }
        return requestResendIfDue(now: now)
    }

    private mutating func startIfNeeded(now: UInt64) -> [Action] {
        requestSnapshot(now: now)
    }

    private mutating func requestResendIfDue(now: UInt64) -> [Action] {
        if !Timer.isDue(since: requestedAt, every: configuration.requestTimeoutMillis, now: now) { return [] }
        requestedAt = now
        return [.requestResend(after: cursor ?? 0)]
    }

    private mutating func requestSnapshot(now: UInt64, force: Bool = false) -> [Action] {
        if !force, snapshotRequested,
            !Timer.isDue(since: requestedAt, every: configuration.requestTimeoutMillis, now: now)
        {
            return []
        }
        snapshotRequested = true
        requestedAt = now
        assembly = nil
        return [.requestSnapshot]
    }

    /// The transport reconnected: requests made while it was down never left,
    /// so the next tick may ask again at once.
    public mutating func connectionRestored() {
        requestedAt = nil
    }
}

/// The parts of one snapshot as they arrive, in any order, any number of times.
struct SnapshotAssembly: Sendable, Equatable {
    let id: String
    let at: UInt64
    let parts: Int
    /// Every part carries the same acks: those of the first part seen.
    let acks: [AckEntry]
    private var received: [Int: [SnapshotRow]] = [:]

    init(id: String, at: UInt64, parts: Int, acks: [AckEntry]) {
        self.id = id
        self.at = at
        self.parts = parts
        self.acks = acks
    }

    mutating func add(_ part: SnapshotPart) {
        guard part.parts == parts, part.at == at else { return }
        received[part.part] = part.rows
    }

    func complete() -> [SnapshotRow]? {
        guard received.count == parts else { return nil }
        return (0..<parts).flatMap { received[$0]! }
    }
}

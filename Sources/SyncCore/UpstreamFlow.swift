/// When and what a node sends from its outbox: a sliding window of
/// unacknowledged changes, go-back-N on timeout or reconnect.
///
/// The outbox itself is durable and lives in the replica; this value only
/// remembers how far the current connection has sent. It never decides that a
/// change is safe to forget: only an ack matching the hub's commit does.
public struct UpstreamFlow: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        /// Changes sent and not yet acknowledged, at most.
        public var window: Int
        /// Changes per message, at most.
        public var batchSize: Int
        /// With changes in flight and no ack for this long, send again from the start.
        public var ackTimeoutMillis: UInt64

        public init(window: Int = 2000, batchSize: Int = 250, ackTimeoutMillis: UInt64 = 5000) {
            self.window = window
            self.batchSize = batchSize
            self.ackTimeoutMillis = ackTimeoutMillis
        }
    }

    public enum Action: Equatable, Sendable {
        /// Read up to `limit` outbox changes after `after` (all when nil) and send them.
        case send(after: ChangeID?, limit: Int)
    }

    public let configuration: Configuration
    public private(set) var connected = false
    public private(set) var sentThrough: ChangeID?
    public private(set) var inFlight = 0
    private var lastProgressAt: UInt64 = 0

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    public mutating func connectionChanged(up: Bool, now: UInt64) {
        connected = up
        rewind(now: now)
    }

    /// What to send next, given how many changes wait in the outbox.
    public mutating func next(outboxDepth: Int, now: UInt64) -> Action? {
        guard connected else { return nil }
        if inFlight > 0, Timer.isDue(since: lastProgressAt, every: configuration.ackTimeoutMillis, now: now) {
            rewind(now: now)
        }
        let unsent = outboxDepth - inFlight
        let room = configuration.window - inFlight
        guard unsent > 0, room > 0 else { return nil }
        return .send(after: sentThrough, limit: min(configuration.batchSize, room, unsent))
    }

    /// The changes of the last `.send` went out.
    public mutating func sent(through last: ChangeID, count: Int, now: UInt64) {
        if inFlight == 0 { lastProgressAt = now }
        sentThrough = last
        inFlight += count
    }

    /// An ack pruned `pruned` changes; `outboxDepth` is what remains.
    public mutating func acknowledged(pruned: Int, outboxDepth: Int, now: UInt64) {
        guard pruned > 0 else { return }
        lastProgressAt = now
        inFlight = max(0, inFlight - pruned)
        if outboxDepth == 0 { rewind(now: now) }
    }

    /// Forget what was sent: the next send starts at the oldest unacknowledged change.
    public mutating func rewind(now: UInt64) {
        sentThrough = nil
        inFlight = 0
        lastProgressAt = now
    }
}

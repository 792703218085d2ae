/// When and what a node sends from its outbox: a sliding window of
/// unacknowledged changes, go-back-N on timeout or reconnect.
///
/// The outbox itself is durable and lives in the replica; this value only
/// remembers how far the current connection has sent. It never decides that a
/// change is safe to forget: only an ack matching the hub's commit does.
///
/// A busy hub acks late, and a fixed timeout then resends what the hub is
/// still working through, which makes it busier (16 gates draining backlogs at
/// once took every change twice or more). So the flow adapts as TCP does: the
/// ack timeout follows the measured round trip (RFC 6298, never below the
/// configured one) and doubles at each timeout until a fresh measurement
/// arrives; the window starts at one batch and doubles each round trip (slow
/// start) up to the configured one, halves at each timeout, and from there
/// grows back by one batch per window of acknowledged changes.
public struct UpstreamFlow: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        /// Changes sent and not yet acknowledged, at most.
        public var window: Int
        /// Changes per message, at most.
        public var batchSize: Int
        /// With changes in flight and no ack for this long, send again from the
        /// start: the shortest timeout; a slow hub's round trip lengthens it.
        public var ackTimeoutMillis: UInt64

        public init(window: Int = 2000, batchSize: Int = 250, ackTimeoutMillis: UInt64 = 5000) {
            self.window = window
            self.batchSize = batchSize
            self.ackTimeoutMillis = ackTimeoutMillis
        }

        /// The longest the timeout grows to by backing off: a minute, or the
        /// configured timeout if that is longer.
        var maxAckTimeoutMillis: UInt64 { max(ackTimeoutMillis, 60_000) }
    }

    public enum Action: Equatable, Sendable {
        /// Read up to `limit` outbox changes after `after` (all when nil) and send them.
        case send(after: ChangeID?, limit: Int)
    }

    /// A message in flight: its changes, when it left, and whether its
    /// changes had been sent before (an ack for them may answer either send,
    /// so it says nothing about the round trip: Karn's rule).
    private struct Sent: Sendable, Equatable {
        var count: Int
        var at: UInt64
        var resent: Bool
    }

    public let configuration: Configuration
    public private(set) var connected = false
    public private(set) var sentThrough: ChangeID?
    public private(set) var inFlight = 0
    /// Changes in flight at most now: from one batch up to the configured
    /// window, halved by timeouts.
    public private(set) var window: Int
    /// Below it the window doubles each round trip, above it grows by a batch:
    /// half the window at the last timeout.
    private var slowStartThreshold: Int
    /// The ack timeout now, from the round trip and backoff.
    public private(set) var ackTimeoutMillis: UInt64
    private var lastProgressAt: UInt64 = 0
    private var messages: [Sent] = []
    /// The newest change ever sent: a message ending at or before it is a resend.
    private var highestSent: ChangeID?
    private var roundTrip: RoundTrip?
    /// Acknowledged changes counted toward the window's next increase.
    private var ackedTowardGrowth = 0

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        window = max(1, min(configuration.batchSize, configuration.window))
        slowStartThreshold = max(window, configuration.window)
        ackTimeoutMillis = configuration.ackTimeoutMillis
    }

    public mutating func connectionChanged(up: Bool, now: UInt64) {
        connected = up
        rewind(now: now)
    }

    /// What to send next, given how many changes wait in the outbox.
    public mutating func next(outboxDepth: Int, now: UInt64) -> Action? {
        guard connected else { return nil }
        if inFlight > 0, Timer.isDue(since: lastProgressAt, every: ackTimeoutMillis, now: now) {
            timedOut(now: now)
        }
        let unsent = outboxDepth - inFlight
        let room = window - inFlight
        guard unsent > 0, room > 0 else { return nil }
        return .send(after: sentThrough, limit: min(configuration.batchSize, room, unsent))
    }

    /// The changes of the last `.send` went out.
    public mutating func sent(through last: ChangeID, count: Int, now: UInt64) {
        if inFlight == 0 { lastProgressAt = now }
        sentThrough = last
        inFlight += count
        let resent = highestSent.map { last <= $0 } ?? false
        if !resent { highestSent = last }
        messages.append(Sent(count: count, at: now, resent: resent))
    }

    /// An ack pruned `pruned` changes; `outboxDepth` is what remains.
    public mutating func acknowledged(pruned: Int, outboxDepth: Int, now: UInt64) {
        guard pruned > 0 else { return }
        lastProgressAt = now
        inFlight = max(0, inFlight - pruned)
        measure(pruned: pruned, now: now)
        grow(by: pruned)
        if outboxDepth == 0 { rewind(now: now) }
    }

    /// Forget what was sent: the next send starts at the oldest unacknowledged change.
    public mutating func rewind(now: UInt64) {
        sentThrough = nil
        inFlight = 0
        messages = []
        lastProgressAt = now
    }

    /// No ack for a whole timeout: the hub is slow or the messages were lost.
    /// Either way send less, wait longer, and go back.
    private mutating func timedOut(now: UInt64) {
        slowStartThreshold = max(min(configuration.batchSize, configuration.window), window / 2)
        window = slowStartThreshold
        let (doubled, overflow) = ackTimeoutMillis.multipliedReportingOverflow(by: 2)
        let ceiling = configuration.maxAckTimeoutMillis
        ackTimeoutMillis = overflow ? ceiling : min(ceiling, doubled)
        ackedTowardGrowth = 0
        rewind(now: now)
    }

    /// Takes a round-trip sample from the newest message the ack completed,
    /// unless its changes were resent.
    private mutating func measure(pruned: Int, now: UInt64) {
        var left = pruned
        var completed: Sent?
        while let first = messages.first, first.count <= left {
            left -= first.count
            completed = messages.removeFirst()
        }
        if left > 0, !messages.isEmpty { messages[0].count -= left }
        guard let completed, !completed.resent, now >= completed.at else { return }
        let sample = now - completed.at
        let estimate = roundTrip?.adding(sample) ?? RoundTrip(firstSample: sample)
        roundTrip = estimate
        ackTimeoutMillis = min(configuration.maxAckTimeoutMillis, max(configuration.ackTimeoutMillis, estimate.timeout))
    }

    /// Below the threshold, one change more in flight per change acknowledged
    /// (the window doubles each round trip); above it, one batch more per
    /// window's worth acknowledged.
    private mutating func grow(by pruned: Int) {
        guard window < configuration.window else { return }
        if window < slowStartThreshold {
            window = min(slowStartThreshold, window + pruned)
            return
        }
        ackedTowardGrowth += pruned
        guard ackedTowardGrowth >= window else { return }
        ackedTowardGrowth -= window
        window = min(configuration.window, window + configuration.batchSize)
    }
}

/// Smoothed round trip and its variation, and the timeout they give (RFC 6298 §2).
struct RoundTrip: Sendable, Equatable {
    private(set) var smoothed: UInt64
    private(set) var variation: UInt64

    init(firstSample: UInt64) {
        smoothed = firstSample
        variation = firstSample / 2
    }

    /// The estimate with one more sample: gains of 1/4 and 1/8.
    func adding(_ sample: UInt64) -> RoundTrip {
        var next = self
        let difference = smoothed > sample ? smoothed - sample : sample - smoothed
        next.variation = (variation / 4) * 3 + difference / 4
        next.smoothed = (smoothed / 8) * 7 + sample / 8
        return next
    }

    /// Smoothed round trip plus four variations, saturating.
    var timeout: UInt64 {
        let (spread, overflow) = variation.multipliedReportingOverflow(by: 4)
        let (sum, overflowAgain) = smoothed.addingReportingOverflow(spread)
        return overflow || overflowAgain ? .max : sum
    }
}

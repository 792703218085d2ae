/// Delays between reconnect attempts: exponential from `initialMillis` up to
/// `maxMillis`, with "full jitter" so that a fleet whose broker restarts does
/// not reconnect in lockstep. Pure: the random draw comes in as a parameter.
public struct ReconnectBackoff: Hashable, Sendable {
    public var initialMillis: UInt64
    public var maxMillis: UInt64
    public private(set) var attempt: Int = 0

    public init(initialMillis: UInt64 = 250, maxMillis: UInt64 = 15_000) {
        precondition(initialMillis > 0 && maxMillis >= initialMillis)
        self.initialMillis = initialMillis
        self.maxMillis = maxMillis
    }

    /// The ceiling of the next delay, before jitter.
    public var ceilingMillis: UInt64 {
        let shift = min(attempt, 20)
        let grown = initialMillis.multipliedReportingOverflow(by: 1 << UInt64(shift))
        return grown.overflow ? maxMillis : min(grown.partialValue, maxMillis)
    }

    /// The next delay: uniform in [ceiling/2, ceiling] given `unit` in [0, 1).
    /// Half the ceiling is kept so that a quick retry storm cannot happen.
    public mutating func nextDelayMillis(unit: Double) -> UInt64 {
        let ceiling = ceilingMillis
        attempt += 1
        let clamped = min(max(unit, 0), 1)
        return ceiling / 2 + UInt64(Double(ceiling - ceiling / 2) * clamped)
    }

    /// A connection was established: start from the beginning next time.
    public mutating func reset() { attempt = 0 }
}

/// The hybrid logical clock of one process (Kulkarni et al., 2014).
///
/// A value type: the caller passes its physical time in, so tests and the
/// simulator drive it deterministically, and persists `last` with every commit
/// so a restart never issues a timestamp below one already handed out.
public struct HybridClock: Sendable, Equatable {
    /// The highest timestamp issued or observed.
    public private(set) var last: HybridTimestamp
    /// Remote timestamps further ahead of local physical time than this are not
    /// adopted: one node with a clock set a year ahead must not drag every
    /// replica's clock with it. The change itself is still accepted.
    public var maxForwardDriftMillis: UInt64

    public init(last: HybridTimestamp = .zero, maxForwardDriftMillis: UInt64 = 5 * 60 * 1000) {
        self.last = last
        self.maxForwardDriftMillis = maxForwardDriftMillis
    }

    /// A timestamp for a local event (a change made here, a message sent).
    public mutating func tick(physicalMillis: UInt64) -> HybridTimestamp {
        if physicalMillis > last.wallMillis {
            last = HybridTimestamp(wallMillis: physicalMillis, counter: 0)
        } else {
            last = Self.successor(of: last)
        }
        return last
    }

    /// A timestamp for a local event that must order after `floor` (a
    /// correction of a change stamped ahead of this clock): `floor` is
    /// adopted whatever the drift, so the caller bounds it first.
    public mutating func tick(above floor: HybridTimestamp, physicalMillis: UInt64) -> HybridTimestamp {
        if floor > last { last = floor }
        return tick(physicalMillis: physicalMillis)
    }

    /// Folds in a timestamp received from elsewhere.
    ///
    /// - Returns: `false` when the remote timestamp was too far ahead to adopt.
    @discardableResult
    public mutating func observe(_ remote: HybridTimestamp, physicalMillis: UInt64) -> Bool {
        guard remote.wallMillis <= physicalMillis &+ maxForwardDriftMillis else { return false }
        if remote > last { last = remote }
        return true
    }

    private static func successor(of t: HybridTimestamp) -> HybridTimestamp {
        // The counter is 32 bits; at one increment per change it outlasts any
        // burst, but roll the wall component forward rather than wrap.
        if t.counter == UInt32.max {
            return HybridTimestamp(wallMillis: t.wallMillis + 1, counter: 0)
        }
        return HybridTimestamp(wallMillis: t.wallMillis, counter: t.counter + 1)
    }
}

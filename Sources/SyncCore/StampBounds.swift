/// The timestamps the hub accepts on a node's new change.
///
/// Last writer wins by timestamp, and a single-use ruling goes to the
/// earliest claim, so a stolen node that could stamp freely would win every
/// later write (stamped 2^62) or every ruling (back-dated to 1 ms). The hub
/// bounds both sides with what it can verify:
/// - ahead: no further than `maxStampAheadMillis` past the hub's own clock
///   (or at the wall time of the origin's latest taken change: a hybrid
///   clock that ran ahead of its physical clock keeps that wall time and
///   counts up). A node's measured skew is not added: the node reports it,
///   so a stolen one would claim the most. A change refused for this is sent
///   again by its node and taken once the hub's clock has caught up, so an
///   honest node whose clock ran fast only waits (its skew is flagged);
/// - behind, within an epoch: not below the previous change of the same
///   epoch. A node commits each change with its clock in one transaction,
///   so only a node whose disk lost that change and that came back to the
///   epoch does this; the hub moves it to a new epoch (`HubEngine`, §8.3.1);
/// - behind, across epochs: not more than `maxEpochBackdateMillis` below the
///   origin's latest change. An honest node can go back here only after its
///   disk lost commits the hub already holds while its clock was set back.
public struct StampBounds: Sendable {
    /// The hub's settings for the bounds.
    public struct Limits: Sendable {
        public var maxStampAheadMillis: UInt64
        public var maxEpochBackdateMillis: UInt64

        public init(maxStampAheadMillis: UInt64, maxEpochBackdateMillis: UInt64) {
            self.maxStampAheadMillis = maxStampAheadMillis
            self.maxEpochBackdateMillis = maxEpochBackdateMillis
        }
    }

    /// The stamp of the change before this one in its epoch (zero if none).
    public var previousInEpoch: HybridTimestamp
    /// The lowest wall time the origin's new change may have across epochs.
    public var earliest: UInt64
    /// The highest wall time a new change may have.
    public var latest: UInt64

    /// - `previousOfOrigin`: the origin's latest taken change in any epoch.
    public init(
        previousInEpoch: HybridTimestamp, previousOfOrigin: HybridTimestamp, now: UInt64, limits: Limits
    ) {
        self.previousInEpoch = previousInEpoch
        earliest = previousOfOrigin.wallMillis - min(previousOfOrigin.wallMillis, limits.maxEpochBackdateMillis)
        let ahead = min(now, WireMessage.maxInteger) &+ min(limits.maxStampAheadMillis, WireMessage.maxInteger)
        latest = max(ahead, previousOfOrigin.wallMillis)
    }

    /// Why `stamp` is out of bounds, in words for the log; nil if it is in.
    public func problem(with stamp: HybridTimestamp) -> String? {
        if stamp.wallMillis > latest {
            return "change stamped \(stamp.wallMillis - latest) ms beyond the allowed clock"
        }
        if stamp < previousInEpoch { return "change stamped below the previous change of its epoch" }
        if stamp.wallMillis < earliest {
            return "change stamped \(earliest - stamp.wallMillis) ms before the earliest its origin may use"
        }
        return nil
    }
}

/// The identity of a change: who made it, in which run of that node, and its
/// place in that run.
///
/// The epoch is a durable counter the node bumps at every start, so a disk that
/// rolls back its last writes (and with them the sequence counter) can never
/// make one `(origin, epoch, seq)` name two different changes.
public struct ChangeID: Hashable, Comparable, Sendable, Codable {
    public var origin: NodeID
    public var epoch: UInt64
    public var seq: UInt64

    public init(origin: NodeID, epoch: UInt64, seq: UInt64) {
        self.origin = origin
        self.epoch = epoch
        self.seq = seq
    }

    public static func < (lhs: ChangeID, rhs: ChangeID) -> Bool {
        if lhs.origin != rhs.origin { return lhs.origin < rhs.origin }
        return (lhs.epoch, lhs.seq) < (rhs.epoch, rhs.seq)
    }
}

extension ChangeID: CustomStringConvertible {
    public var description: String { "\(origin)/\(epoch)/\(seq)" }
}

/// A node's name, unique in the fleet (`desk-1`, `door-east`).
public typealias NodeID = String

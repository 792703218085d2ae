/// A hybrid-logical-clock timestamp: physical milliseconds plus a logical counter.
///
/// It orders events causally (a change observed before another was made is
/// always smaller) while staying close to wall time, so last-writer-wins means
/// what a person expects even when node clocks drift. On the wire it is the
/// two-element array `[wallMillis, counter]`.
public struct HybridTimestamp: Hashable, Comparable, Sendable {
    public var wallMillis: UInt64
    public var counter: UInt32

    public init(wallMillis: UInt64, counter: UInt32 = 0) {
        self.wallMillis = wallMillis
        self.counter = counter
    }

    public static let zero = HybridTimestamp(wallMillis: 0)

    public static func < (lhs: HybridTimestamp, rhs: HybridTimestamp) -> Bool {
        (lhs.wallMillis, lhs.counter) < (rhs.wallMillis, rhs.counter)
    }
}

extension HybridTimestamp: Codable {
    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        wallMillis = try container.decode(UInt64.self)
        counter = try container.decode(UInt32.self)
        guard container.isAtEnd else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a timestamp is [wallMillis, counter]")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(wallMillis)
        try container.encode(counter)
    }
}

extension HybridTimestamp: CustomStringConvertible {
    public var description: String { "\(wallMillis).\(counter)" }
}

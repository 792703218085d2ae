import Foundation

/// Physical time for the engines, in Unix milliseconds, shifted by a
/// configured offset: tests and drills run a node minutes off the others
/// without touching the machine's clock.
public struct WallClock: Sendable {
    public var offsetMillis: Int64

    public init(offsetMillis: Int64 = 0) {
        self.offsetMillis = offsetMillis
    }

    public func now() -> UInt64 {
        let real = Int64(Date().timeIntervalSince1970 * 1000)
        return UInt64(max(0, real + offsetMillis))
    }
}

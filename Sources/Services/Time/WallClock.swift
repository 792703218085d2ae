import Foundation

/// Physical time, in Unix milliseconds, shifted by a configured offset:
/// drills run a node minutes off the others without touching the machine's
/// clock. Waits are real.
public struct WallClock: FleetClock {
    public var offsetMillis: Int64

    public init(offsetMillis: Int64 = 0) {
        self.offsetMillis = offsetMillis
    }

    public func now() -> UInt64 {
        let real = Int64(Date().timeIntervalSince1970 * 1000)
        return UInt64(max(0, real &+ offsetMillis))
    }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

import Foundation

/// How a 429 for a locked login says when to try again.
enum LockoutAnswer {
    /// Seconds until `until` (ms since 1970), at least 1, for `Retry-After`.
    static func retryAfter(until: UInt64) -> String {
        let now = UInt64(max(Date().timeIntervalSince1970 * 1000, 0))
        return String(max((until &- min(until, now)) / 1000, 1))
    }
}

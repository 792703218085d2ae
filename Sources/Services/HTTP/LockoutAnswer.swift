import EdgeRules
import Foundation
import Hummingbird

/// The 429 a locked login gets, with when to try again.
enum LockoutAnswer {
    /// Nil when the attempt may go on; else the error to throw. `account`
    /// names what the id is to the caller (`staff id`, `operator id`).
    static func refusal(_ admission: LoginThrottle.Admission, account: String, hint: String = "") -> HTTPError? {
        guard case .locked(let until, let byAddress) = admission else { return nil }
        return HTTPError(
            .tooManyRequests, headers: [.retryAfter: retryAfter(until: until)],
            message: "too many failed logins from \(byAddress ? "this client" : "this \(account)"): "
                + "locked until \(until) ms\(hint)")
    }

    /// Seconds until `until` (ms since 1970), at least 1, for `Retry-After`.
    static func retryAfter(until: UInt64) -> String {
        let now = UInt64(max(Date().timeIntervalSince1970 * 1000, 0))
        return String(max((until &- min(until, now)) / 1000, 1))
    }
}

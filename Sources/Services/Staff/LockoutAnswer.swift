import Hummingbird
import MallDomain

/// The 429 a locked login gets, with when to try again.
enum LockoutAnswer {
    /// Nil when the attempt may go on; else the error to throw. `account`
    /// names what the id is to the caller (`staff id`, `operator id`).
    static func refusal(_ admission: LoginThrottle.Admission, account: String, hint: String = "") -> HTTPError? {
        guard case .locked(let until, let retryAfterMillis, let byAddress) = admission else { return nil }
        // Seconds, rounded up: a client that waits that long finds the lock gone.
        let seconds = max((retryAfterMillis + 999) / 1000, 1)
        return HTTPError(
            .tooManyRequests, headers: [.retryAfter: String(seconds)],
            message: "too many failed logins from \(byAddress ? "this client" : "this \(account)"): "
                + "locked until \(until) ms\(hint)")
    }
}

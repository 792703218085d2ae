/// What one node may make the hub do per unit of time: a token bucket, in
/// the hub's milliseconds. A stolen node's credentials let it publish as
/// fast as the broker carries; without an allowance it could keep the hub's
/// single actor busy with snapshots (each reads a whole channel) or floods
/// of small messages, and every honest node would wait behind it.
public struct NodeAllowance: Sendable, Hashable {
    /// How many at once, and one more per `refillMillis`.
    public struct Rate: Sendable, Hashable {
        public var burst: Int
        public var refillMillis: UInt64

        public init(burst: Int, refillMillis: UInt64) {
            self.burst = max(burst, 1)
            self.refillMillis = max(refillMillis, 1)
        }
    }

    public let rate: Rate
    private var tokens: Int
    private var updatedAt: UInt64

    public init(rate: Rate, now: UInt64) {
        self.rate = rate
        tokens = rate.burst
        updatedAt = now
    }

    /// Takes `count` tokens if there are that many (a message of `count`
    /// changes), or none.
    public mutating func take(_ count: Int = 1, now: UInt64) -> Bool {
        if now > updatedAt {
            let earned = (now - updatedAt) / rate.refillMillis
            if earned > 0 {
                tokens = Int(min(UInt64(rate.burst), UInt64(tokens) + min(earned, UInt64(rate.burst))))
                updatedAt += earned * rate.refillMillis
            }
        } else {
            // The clock went back: start counting from here.
            updatedAt = now
        }
        guard tokens >= count else { return false }
        tokens -= count
        return true
    }
}

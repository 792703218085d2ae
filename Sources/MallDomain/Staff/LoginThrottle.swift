/// Counts failed logins per account and per client address and locks either
/// out for a while: what stops guessing a PIN or a password online.
///
/// An attempt is counted when it *starts*, before the slow hash: the
/// attempts in flight count as failures until they finish. So 200 guesses
/// sent at once get at most `maxFailures` hashes between them, and the rest
/// are refused. A value: the caller keeps it inside its actor, passes the time
/// in, and audits the lockouts the throttle reports (one entry per lockout,
/// not one per wrong PIN).
public struct LoginThrottle: Sendable {
    /// - `maxFailures`: failed or pending attempts per account before it locks (default 5).
    /// - `maxFailuresPerAddress`: the same per client address (default 20: a desk PC
    ///   serves several clerks), which also stops one PIN sprayed over many ids.
    /// - `lockoutMillis`: how long a lock lasts (default 5 minutes); failures
    ///   further apart than this start the count again.
    public struct Configuration: Sendable {
        public var maxFailures: Int
        public var maxFailuresPerAddress: Int
        public var lockoutMillis: UInt64

        public init(maxFailures: Int = 5, maxFailuresPerAddress: Int = 20, lockoutMillis: UInt64 = 5 * 60_000) {
            self.maxFailures = maxFailures
            self.maxFailuresPerAddress = maxFailuresPerAddress
            self.lockoutMillis = lockoutMillis
        }
    }

    /// Whether an attempt may go on to check its secret.
    public enum Admission: Equatable, Sendable {
        case proceed
        /// Locked until this time (ms since 1970 on the caller's clock), that
        /// is for `retryAfterMillis` more; `address` tells whether the client
        /// address is locked rather than the account.
        case locked(until: UInt64, retryAfterMillis: UInt64, address: Bool)
    }

    /// A lock the last attempt set, for the audit log.
    public struct Lockout: Equatable, Sendable {
        /// The account, or the client address when `address` is true.
        public var subject: String
        public var address: Bool
        public var until: UInt64
        public var failures: Int

        public init(subject: String, address: Bool, until: UInt64, failures: Int) {
            self.subject = subject
            self.address = address
            self.until = until
            self.failures = failures
        }
    }

    private struct Counter {
        var failures = 0
        var pending = 0
        var lockedUntil: UInt64?
        var lastFailureAt: UInt64 = 0
    }

    public let configuration: Configuration
    private var accounts: [String: Counter] = [:]
    private var addresses: [String: Counter] = [:]

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Starts an attempt for `account` from `address`: refused while either
    /// is locked or already has its fill of failed and pending attempts.
    /// `fleetLockEnd` is the latest end of the locks other nodes set on the
    /// account (`FleetLocks`): a locked id is locked at every node.
    public mutating func begin(account: String, address: String, now: UInt64, fleetLockEnd: UInt64? = nil)
        -> Admission
    {
        if let until = lock(addresses[address], now: now, limit: configuration.maxFailuresPerAddress) {
            return .locked(until: until, retryAfterMillis: until - min(until, now), address: true)
        }
        if let until = fleetLockEnd, until > now {
            return .locked(until: until, retryAfterMillis: until - now, address: false)
        }
        if let until = lock(accounts[account], now: now, limit: configuration.maxFailures) {
            return .locked(until: until, retryAfterMillis: until - min(until, now), address: false)
        }
        accounts[account, default: Counter()].pending += 1
        addresses[address, default: Counter()].pending += 1
        return .proceed
    }

    /// Ends an attempt `begin` let through. A success clears the account's
    /// failures (the person knows the secret); a failure counts against both
    /// the account and the address, and returns the locks it set.
    public mutating func finish(account: String, address: String, succeeded: Bool, now: UInt64) -> [Lockout] {
        var lockouts: [Lockout] = []
        let lockoutMillis = configuration.lockoutMillis
        let until = now &+ lockoutMillis
        func settle(_ counter: inout Counter, limit: Int, subject: String, isAddress: Bool) {
            counter.pending = max(counter.pending - 1, 0)
            if succeeded {
                if !isAddress { counter.failures = 0 }
                return
            }
            counter.failures = Self.recentFailures(counter, now: now, lockoutMillis: lockoutMillis) + 1
            counter.lastFailureAt = now
            if counter.failures >= limit {
                lockouts.append(Lockout(subject: subject, address: isAddress, until: until, failures: counter.failures))
                counter.failures = 0
                counter.lockedUntil = until
            }
        }
        let (accountLimit, addressLimit) = (configuration.maxFailures, configuration.maxFailuresPerAddress)
        var accountCounter = accounts[account] ?? Counter()
        var addressCounter = addresses[address] ?? Counter()
        settle(&accountCounter, limit: accountLimit, subject: account, isAddress: false)
        settle(&addressCounter, limit: addressLimit, subject: address, isAddress: true)
        accounts[account] = accountCounter
        addresses[address] = addressCounter
        forgetIdle(now: now)
        return lockouts
    }

    /// Ends an attempt that could not be checked (the store failed): it
    /// counts neither way.
    public mutating func abandon(account: String, address: String) {
        if var counter = accounts[account] {
            counter.pending = max(counter.pending - 1, 0)
            accounts[account] = counter
        }
        if var counter = addresses[address] {
            counter.pending = max(counter.pending - 1, 0)
            addresses[address] = counter
        }
    }

    /// Until when a counter refuses attempts at `now`, or nil.
    private func lock(_ counter: Counter?, now: UInt64, limit: Int) -> UInt64? {
        guard let counter else { return nil }
        if let until = counter.lockedUntil, until > now { return until }
        // Pending attempts count as failures, so a burst cannot outrun the count.
        let failures = Self.recentFailures(counter, now: now, lockoutMillis: configuration.lockoutMillis)
        if failures + counter.pending >= limit { return now &+ 1 }
        return nil
    }

    /// The failures that still count: failures spread wider apart than a
    /// lockout are typos, not a guessing run, and start the count again.
    private static func recentFailures(_ counter: Counter, now: UInt64, lockoutMillis: UInt64) -> Int {
        now > counter.lastFailureAt &+ lockoutMillis ? 0 : counter.failures
    }

    /// Drops counters with nothing pending, no failures and no live lock, so
    /// a scan over many ids or addresses does not grow memory for ever.
    private mutating func forgetIdle(now: UInt64) {
        func idle(_ counter: Counter) -> Bool {
            counter.pending == 0 && counter.failures == 0 && (counter.lockedUntil ?? 0) <= now
        }
        if accounts.count > 10_000 { accounts = accounts.filter { !idle($0.value) } }
        if addresses.count > 10_000 { addresses = addresses.filter { !idle($0.value) } }
    }
}

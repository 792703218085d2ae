public import Logging
public import MallDomain
public import Storage

/// The operators logged in at the console: logins (throttled), sessions
/// that expire when idle and survive a restart (saved by token hash), and
/// the one-use tickets of the live stream. Its own actor: a burst of logins
/// or page polls never waits behind the fleet's sync, nor delays it.
public actor ConsoleSessions {
    static let idleMillis: UInt64 = 8 * 3_600_000

    public nonisolated let operators: [Operator]
    let table: SessionTable
    let clock: any FleetClock
    /// Where logins and lockouts are audited.
    let hub: HubCoordinator
    let logger: Logger
    /// Open sessions, by the SHA-256 of their token.
    var sessions: [String: ConsoleSession]
    /// One-use tickets for the console's live stream (to a session key), by ticket: EventSource
    /// cannot send a header, and a session token in a URL would end up in
    /// proxies' access logs.
    var eventTickets: [String: (session: String, expiresAt: UInt64)] = [:]
    /// Failed and pending logins per operator id and client address.
    var throttle = LoginThrottle()

    /// Restores the sessions saved before a restart, for operators still in
    /// the configuration (with their role as it is configured now).
    public init(operators: [Operator], table: SessionTable, hub: HubCoordinator, logger: Logger) throws {
        self.operators = operators
        self.table = table
        self.hub = hub
        clock = hub.clock
        self.logger = logger
        var sessions: [String: ConsoleSession] = [:]
        for saved in try table.open(at: hub.clock.now()) {
            guard let person = operators.first(where: { $0.id == saved.holder }) else { continue }
            sessions[saved.tokenHash] = ConsoleSession(
                token: "", operatorId: person.id, name: person.name, role: person.role, expiresAt: saved.expiresAt,
                key: saved.tokenHash)
        }
        self.sessions = sessions
    }

    /// The operator of that id, if configured. The password is verified by
    /// the caller, off every actor.
    public nonisolated func `operator`(_ id: String) -> Operator? {
        operators.first { $0.id == id }
    }

    /// Starts a login: counted before the password is hashed, so a burst of
    /// guesses cannot outrun the lockout.
    public func beginLogin(operatorID: String, address: String) -> LoginThrottle.Admission {
        throttle.begin(account: operatorID, address: address, now: clock.now())
    }

    /// Ends a login `beginLogin` let through: a failure counts towards the
    /// lockouts and only a lockout it sets is audited (one entry per
    /// lockout, so guessing cannot flood the hub's audit log).
    public func finishLogin(operatorID: String, address: String, succeeded: Bool) async throws {
        let lockouts = throttle.finish(account: operatorID, address: address, succeeded: succeeded, now: clock.now())
        for lockout in lockouts {
            hub.metrics?.consoleLoginLockout()
            try await hub.auditConsole(
                lockout.address ? "client:\(lockout.subject)" : "operator:\(operatorID)", action: "console.login",
                target: lockout.address ? "client \(lockout.subject)" : operatorID,
                outcome: "locked until \(lockout.until) ms after \(lockout.failures) failed logins")
            logger.warning(
                "console login locked out",
                metadata: ["console.lockout.subject": lockout.address ? "address" : "account"])
        }
    }

    public func open(for person: Operator) async throws -> ConsoleSession {
        let token = TokenSet.random()
        let session = ConsoleSession(
            token: token, operatorId: person.id, name: person.name, role: person.role,
            expiresAt: clock.now() + Self.idleMillis, key: ConsoleSession.key(of: token))
        try table.save(.init(tokenHash: session.key, holder: person.id, expiresAt: session.expiresAt))
        sessions[session.key] = session
        try await hub.auditConsole("operator:\(person.id)", action: "console.login", target: person.id, outcome: "ok")
        return session
    }

    public func session(for token: String) -> ConsoleSession? {
        use(ConsoleSession.key(of: token))
    }

    /// The open session under `key`, its expiry pushed back; nil (and
    /// forgotten) once expired.
    private func use(_ key: String) -> ConsoleSession? {
        let now = clock.now()
        guard var session = sessions[key], session.expiresAt > now else {
            forget(key)
            return nil
        }
        session.expiresAt = now + Self.idleMillis
        sessions[key] = session
        return session
    }

    /// Whether the session is still open, without counting this as a use.
    public func isOpen(_ session: ConsoleSession) -> Bool {
        sessions[session.key].map { $0.expiresAt > clock.now() } ?? false
    }

    public func close(_ session: ConsoleSession) {
        forget(session.key)
    }

    private func forget(_ key: String) {
        guard sessions.removeValue(forKey: key) != nil else { return }
        eventTickets = eventTickets.filter { $0.value.session != key }
        do {
            try table.delete(tokenHash: key)
        } catch {
            logger.error("ended console session not removed from the store", metadata: ["sync.error": "\(error)"])
        }
    }

    /// A ticket that opens the live stream once, within 30 s.
    public func issueEventTicket(for session: ConsoleSession) -> String {
        let now = clock.now()
        eventTickets = eventTickets.filter { $0.value.expiresAt > now }
        let ticket = TokenSet.random()
        eventTickets[ticket] = (session.key, now + 30_000)
        return ticket
    }

    /// The session a ticket was issued for, if it is still good; the ticket is spent either way.
    public func redeemEventTicket(_ ticket: String) -> ConsoleSession? {
        guard let entry = eventTickets.removeValue(forKey: ticket), entry.expiresAt > clock.now() else {
            return nil
        }
        return use(entry.session)
    }
}

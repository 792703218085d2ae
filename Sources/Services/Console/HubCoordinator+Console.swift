public import EdgeRules
public import Storage
import SyncCore

/// What the console shows at a glance and pushes live.
public struct ConsoleState: Codable, Sendable {
    public var fleet: FleetState
    /// Nodes in a stale or risk state, with why, by node id.
    public var problems: [String: [String]]
    public var openConflicts: Int
    /// Changes whenever a conflict is recorded or settled, so the page knows
    /// to read the ledger again (the open count alone can stay the same).
    public var ledgerVersion: String
    /// The one-line count the console heads its table with and `mall-hub
    /// status` prints first: made here once, so the two always agree.
    public var summary: String

    init(fleet: FleetState, problems: [String: [String]], conflicts: [ConflictEntry]) {
        self.fleet = fleet
        self.problems = problems
        openConflicts = conflicts.filter { $0.status == "open" }.count
        ledgerVersion = "\(conflicts.count)/\(conflicts.count - openConflicts)"
        let offline = fleet.nodes.filter { !$0.online }.count
        summary =
            "\(fleet.nodes.count - offline) online, \(offline) offline, \(problems.count) with problems, "
            + "\(openConflicts) conflicts open"
    }
}

extension HubCoordinator {
    static let consoleSessionIdleMillis: UInt64 = 8 * 3_600_000

    /// The operator, if `password` is theirs. Verified by the caller off this actor.
    public nonisolated func consoleOperator(_ id: String) -> Operator? {
        policies.operators.first { $0.id == id }
    }

    /// Starts a console login: counted before the password is hashed, so a
    /// burst of guesses cannot outrun the lockout.
    public func beginConsoleLogin(operatorID: String, address: String) -> LoginThrottle.Admission {
        consoleThrottle.begin(account: operatorID, address: address, now: clock.now())
    }

    /// Ends a console login `beginConsoleLogin` let through: a failure counts
    /// towards the lockouts and only a lockout it sets is audited (one entry
    /// per lockout, so guessing cannot flood the hub's audit log).
    public func finishConsoleLogin(operatorID: String, address: String, succeeded: Bool) throws {
        let lockouts = consoleThrottle.finish(
            account: operatorID, address: address, succeeded: succeeded, now: clock.now())
        for lockout in lockouts {
            metrics?.consoleLoginLockout()
            try auditConsole(
                lockout.address ? "client:\(lockout.subject)" : "operator:\(operatorID)", action: "console.login",
                target: lockout.address ? "client \(lockout.subject)" : operatorID,
                outcome: "locked until \(lockout.until) ms after \(lockout.failures) failed logins")
            logger.warning(
                "console login locked out",
                metadata: ["console.lockout.subject": lockout.address ? "address" : "account"])
        }
    }

    public func openConsoleSession(for person: Operator) throws -> ConsoleSession {
        let now = clock.now()
        let token = TokenSet.random()
        let session = ConsoleSession(
            token: token, operatorId: person.id, name: person.name, role: person.role,
            expiresAt: now + Self.consoleSessionIdleMillis, key: ConsoleSession.key(of: token))
        try engine.store.consoleSessions.save(
            .init(tokenHash: session.key, holder: person.id, expiresAt: session.expiresAt))
        consoleSessions[session.key] = session
        try auditConsole("operator:\(person.id)", action: "console.login", target: person.id, outcome: "ok")
        return session
    }

    /// The sessions saved before a restart, for operators still in the
    /// configuration (with their role as it is configured now).
    static func restoredConsoleSessions(
        from store: SQLiteHubStore, operators: [Operator], now: UInt64
    ) throws -> [String: ConsoleSession] {
        var sessions: [String: ConsoleSession] = [:]
        for saved in try store.consoleSessions.open(at: now) {
            guard let person = operators.first(where: { $0.id == saved.holder }) else { continue }
            sessions[saved.tokenHash] = ConsoleSession(
                token: "", operatorId: person.id, name: person.name, role: person.role, expiresAt: saved.expiresAt,
                key: saved.tokenHash)
        }
        return sessions
    }

    public func consoleSession(for token: String) -> ConsoleSession? {
        use(ConsoleSession.key(of: token))
    }

    /// The open session under `key`, its expiry pushed back; nil (and
    /// forgotten) once expired.
    private func use(_ key: String) -> ConsoleSession? {
        let now = clock.now()
        guard var session = consoleSessions[key], session.expiresAt > now else {
            forget(key)
            return nil
        }
        session.expiresAt = now + Self.consoleSessionIdleMillis
        consoleSessions[key] = session
        return session
    }

    /// Whether the session is still open, without counting this as a use.
    public func consoleSessionIsOpen(_ session: ConsoleSession) -> Bool {
        consoleSessions[session.key].map { $0.expiresAt > clock.now() } ?? false
    }

    public func closeConsoleSession(_ session: ConsoleSession) {
        forget(session.key)
    }

    private func forget(_ key: String) {
        guard consoleSessions.removeValue(forKey: key) != nil else { return }
        consoleEventTickets = consoleEventTickets.filter { $0.value.session != key }
        do {
            try engine.store.consoleSessions.delete(tokenHash: key)
        } catch {
            logger.error("ended console session not removed from the store", metadata: ["sync.error": "\(error)"])
        }
    }

    /// A ticket that opens the live stream once, within 30 s.
    public func issueConsoleEventTicket(for session: ConsoleSession) -> String {
        let now = clock.now()
        consoleEventTickets = consoleEventTickets.filter { $0.value.expiresAt > now }
        let ticket = TokenSet.random()
        consoleEventTickets[ticket] = (session.key, now + 30_000)
        return ticket
    }

    /// The session a ticket was issued for, if it is still good; the ticket is spent either way.
    public func redeemConsoleEventTicket(_ ticket: String) -> ConsoleSession? {
        guard let entry = consoleEventTickets.removeValue(forKey: ticket), entry.expiresAt > clock.now() else {
            return nil
        }
        return use(entry.session)
    }

    public func consoleState() throws -> ConsoleState {
        let fleet = fleet()
        var problems: [String: [String]] = [:]
        for node in fleet.nodes {
            var why: [String] = []
            if !node.online { why.append("offline") }
            // Online but silent: a hung process keeps its broker session (and so no will).
            if node.online, let ago = node.lastSeenAgoMillis, ago > 10_000 {
                why.append("stale: silent for \(ago / 1000) s")
            }
            if node.skewFlagged { why.append("clock skew") }
            if let age = node.oldestUnsyncedAgeMillis, age > 60_000 {
                why.append("decisions unsynced for \(age / 60_000) min")
            }
            let lag = node.changesBehind
            if lag > 100 { why.append("\(lag) changes behind") }
            if !why.isEmpty { problems[node.node] = why }
        }
        return ConsoleState(fleet: fleet, problems: problems, conflicts: try conflicts())
    }

    /// The node's samples over the last hours, oldest first.
    public func history(of node: String) -> [HistorySample] {
        nodeHistory.samples(of: node)
    }

    /// Records every node's state as a sample, when the interval has passed.
    func sampleHistory(now: UInt64) {
        guard now >= nextHistorySample else { return }
        nextHistorySample = now + policies.historyIntervalMillis
        let round = nodeHistory.record(fleet(), at: now)
        do {
            try engine.store.appendHistory(
                round, droppingBefore: now > policies.historyMillis ? now - policies.historyMillis : 0)
        } catch {
            logger.error(
                "console history not saved; the charts keep it until a restart", metadata: ["sync.error": "\(error)"])
        }
    }

    /// The hub's latest audit entries about one node (in any field), from
    /// its audit trail.
    public func audit(about node: String, limit: Int) throws -> [[String: String]] {
        try engine.store.auditTrail(about: node, limit: limit).map {
            [
                "actor": $0.actor, "action": $0.action, "target": $0.target, "outcome": $0.outcome, "node": $0.node,
                "at": String($0.at),
            ]
        }
    }

    /// An audit entry at the hub for a console action, committed on its own.
    public func auditConsole(_ actor: String, action: String, target: String, outcome: String) throws {
        let mall = malls.sorted().first ?? "hub"
        try write(
            [hubAudit(actor: actor, action: action, target: target, outcome: outcome, at: Int64(clock.now()))],
            mall: mall, decision: action)
    }
}

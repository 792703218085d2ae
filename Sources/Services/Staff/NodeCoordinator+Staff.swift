import Foundation
public import MallDomain
public import Storage
import SyncCore

/// A staff member logged in at this node.
public struct StaffSession: Sendable, Codable {
    /// Given to the clerk at login; empty for a session restored after a
    /// restart, whose token only the clerk's browser still holds.
    public var token: String
    public var staffId: String
    public var name: String
    public var roles: [String]
    public var permissions: [String]
    /// Milliseconds since 1970; each use pushes it back by the idle timeout.
    public var expiresAt: UInt64
    /// The expiry the replica holds: written again only once the session's
    /// own has moved on by `NodeCoordinator.sessionSaveStepMillis`, so
    /// that a scan does not cost a durable write.
    var storedExpiresAt: UInt64 = 0

    enum CodingKeys: String, CodingKey { case token, staffId, name, roles, permissions, expiresAt }

    func allows(_ permission: Permission) -> Bool { permissions.contains(permission.rawValue) }
}

/// Who is calling the node's API, once their token is checked.
public enum Caller: Sendable {
    /// The device software beside the node (the gate controller), by its token.
    case device(node: String, permissions: Set<Permission>)
    case staff(StaffSession)

    /// How the audit log names the caller.
    public var actor: String {
        switch self {
        case .device(let node, _): "device:\(node)"
        case .staff(let session): "staff:\(session.staffId)"
        }
    }

    public func allows(_ permission: Permission) -> Bool {
        switch self {
        case .device(_, let permissions): permissions.contains(permission)
        case .staff(let session): session.allows(permission)
        }
    }

    var staffID: String? {
        if case .staff(let session) = self { return session.staffId }
        return nil
    }
}

extension NodeCoordinator {
    /// Sessions end after this long without use.
    static let sessionIdleMillis: UInt64 = 8 * 3_600_000
    /// How far a session's expiry may run ahead of the stored one: a session
    /// restored after a restart may end up to this much earlier than it
    /// would have.
    static let sessionSaveStepMillis: UInt64 = 15 * 60_000

    /// The sessions saved before a restart, by token hash. Name, roles and
    /// permissions are read from the replica at their next use.
    static func restoredSessions(from replica: SQLiteReplica, now: UInt64) throws -> [String: StaffSession] {
        var sessions: [String: StaffSession] = [:]
        for saved in try replica.staffSessions.open(at: now) {
            sessions[saved.tokenHash] = StaffSession(
                token: "", staffId: saved.holder, name: saved.holder, roles: [], permissions: [],
                expiresAt: saved.expiresAt, storedExpiresAt: saved.expiresAt)
        }
        return sessions
    }

    /// The staff member as this node's replica knows them, or nil.
    public func staffMember(_ id: String) throws -> StaffMember? {
        guard let values = try engine.store.row(RowRef(table: "staff", key: id))?.values, !values.isEmpty else {
            return nil
        }
        return StaffMember(
            id: id, name: values["name"]?.textValue ?? id,
            roles: StaffMember.roles(from: values["roles"]?.textValue ?? ""),
            pinHash: values["pin_hash"]?.textValue ?? "", active: values["active"]?.intValue != 0)
    }

    /// Ends an attempt whose PIN matched but is shorter than the rule allows
    /// (set before it): no session, no failure counted, one audit entry.
    public func refuseShortPIN(staffID: String, address: String) async throws {
        _ = loginThrottle.finish(account: staffID, address: address, succeeded: true, now: clock.now())
        try await audit(
            "staff:\(staffID)", action: "staff.login", target: staffID,
            outcome: "refused: PIN shorter than \(PINHash.minimumDigits) digits, must be set again")
    }

    /// Ends an attempt whose PIN could not be checked (the replica failed).
    public func abandonLogin(staffID: String, address: String) {
        loginThrottle.abandon(account: staffID, address: address)
    }

    /// Ends an attempt `beginLogin` let through: on success opens a session
    /// and audits it; on failure counts towards the lockouts and audits only
    /// a lockout it sets (one entry per lockout, not one per wrong PIN, so
    /// guessing cannot flood the audit log).
    public func finishLogin(staffID: String, address: String, member: StaffMember?, succeeded: Bool) async throws
        -> StaffSession?
    {
        let now = clock.now()
        let lockouts = loginThrottle.finish(
            account: staffID, address: address, succeeded: succeeded && member != nil, now: now)
        for lockout in lockouts {
            _ = try await commit(try lockoutWrites(lockout, staffID: staffID, now: now), decision: "staff-lockout")
            logger.warning(
                "login locked out",
                metadata: ["staff.lockout.subject": lockout.address ? "address" : "account", "staff.id": "\(staffID)"])
        }
        guard succeeded, let member else { return nil }
        let token = TokenSet.random()
        let expiresAt = now + Self.sessionIdleMillis
        let session = StaffSession(
            token: token, staffId: member.id, name: member.name, roles: member.roles.map(\.rawValue).sorted(),
            permissions: member.permissions.map(\.rawValue).sorted(), expiresAt: expiresAt, storedExpiresAt: expiresAt)
        try engine.store.replica.staffSessions.save(
            .init(tokenHash: TokenSet.hash(token), holder: member.id, expiresAt: expiresAt))
        sessions[TokenSet.hash(token)] = session
        try await audit("staff:\(staffID)", action: "staff.login", target: staffID, outcome: "ok")
        return session
    }

    /// The open session for `token`, its expiry pushed back; nil if none.
    /// Roles are read again from the replica at each use, so a change made at
    /// the hub applies as soon as it arrives, and a disabled or removed
    /// account's sessions end then.
    public func session(for token: String) async throws -> StaffSession? {
        let now = clock.now()
        let key = TokenSet.hash(token)
        guard var session = sessions[key] else { return nil }
        guard session.expiresAt > now else {
            try forgetSession(key)
            return nil
        }
        guard let member = try staffMember(session.staffId), member.active else {
            try forgetSession(key)
            try await audit(
                "staff:\(session.staffId)", action: "staff.logout", target: session.staffId,
                outcome: "session ended: the account was disabled or removed")
            return nil
        }
        session.token = token
        session.name = member.name
        session.roles = member.roles.map(\.rawValue).sorted()
        session.permissions = member.permissions.map(\.rawValue).sorted()
        session.expiresAt = now + Self.sessionIdleMillis
        if session.expiresAt >= session.storedExpiresAt + Self.sessionSaveStepMillis {
            try engine.store.replica.staffSessions.save(
                .init(tokenHash: key, holder: session.staffId, expiresAt: session.expiresAt))
            session.storedExpiresAt = session.expiresAt
        }
        sessions[key] = session
        return session
    }

    public func endSession(_ token: String) async throws {
        let key = TokenSet.hash(token)
        guard let session = sessions[key] else { return }
        try forgetSession(key)
        try await audit("staff:\(session.staffId)", action: "staff.logout", target: session.staffId, outcome: "ok")
    }

    private func forgetSession(_ key: String) throws {
        try engine.store.replica.staffSessions.delete(tokenHash: key)
        sessions[key] = nil
    }

    /// Commits one audit entry on its own (a refusal, a login): who, what,
    /// when, where (this node, in the change's origin), outcome.
    public nonisolated func audit(_ actor: String, action: String, target: String, outcome: String) async throws {
        _ = try await durable(auditNow(actor, action: action, target: target, outcome: outcome, answering: ()))
    }

    /// The same in the caller's actor turn (a refusal, audited in the turn
    /// that refused), answered with `answer` once durable.
    func auditNow<Answer: Sendable>(
        _ actor: String, action: String, target: String, outcome: String, answering answer: Answer
    ) throws -> Committed<Answer> {
        let now = clock.now()
        let changes = try commitNow([
            audit(actor: actor, action: action, target: target, outcome: outcome, at: now, id: engine.nextChangeID)
        ])
        return Committed(outcome: answer, changes: changes, decision: "audit")
    }
}

extension NodeCoordinator {
    /// The latest audit entries made at this node (newest first): its
    /// `audit_log` rows and its gate's passages (`AuditTrailSources.mall`)
    /// of the last month or three (SPEC §12.1); the hub's audit trail keeps
    /// two years. Each source is read newest first and only as far as
    /// `limit` entries. A gate's replica holds the other gates' passages
    /// too: they are read past by their key's origin, checked by the origin
    /// of their insert, and no further than `auditLookingAt(limit)` rows.
    public func recentAudit(limit: Int) throws -> [AuditEntry] {
        let replica = engine.store.replica
        let sources = AuditTrailSources.mall
        let node = configuration.node
        let bound = Self.auditLookingAt(limit)
        func entries(of table: String, keyPrefix: String = "", madeHere: Bool = false) throws -> [AuditEntry] {
            try replica.newestEvents(of: table, keyPrefix: keyPrefix, limit: limit, lookingAt: bound) { key, state in
                guard let (entry, _) = sources.entry(for: RowRef(table: table, key: key), state) else { return nil }
                return !madeHere || entry.node == node ? entry : nil
            }
        }
        let entries =
            try entries(of: AuditEntry.table)
            + entries(of: GatePassageRecord.table, keyPrefix: "\(GatePassageRecord.keyPrefix)\(node)-", madeHere: true)
        return entries.sorted { ($0.at, $0.key) > ($1.at, $1.key) }.prefix(limit).map { $0 }
    }

    /// The most rows of one table an audit listing of `limit` entries looks
    /// at: a gate among twenty still lists its own reads, and a listing
    /// holds the replica (and the decisions waiting for it) for tens of
    /// milliseconds at most.
    static func auditLookingAt(_ limit: Int) -> Int { max(limit * 20, 10_000) }
}

import GRDB

/// A login kept on disk: the SHA-256 of its token, never the token, so a
/// copy of the database logs no one in.
public struct StoredSession: Hashable, Sendable {
    public var tokenHash: String
    /// Who is logged in: an operator id at the hub, a staff id at a node.
    public var holder: String
    /// Milliseconds since 1970.
    public var expiresAt: UInt64

    public init(tokenHash: String, holder: String, expiresAt: UInt64) {
        self.tokenHash = tokenHash
        self.holder = holder
        self.expiresAt = expiresAt
    }
}

/// One table of stored sessions (the hub's console logins, a node's staff
/// logins), so that a restart or an upgrade logs no one out.
public struct SessionTable: Sendable {
    let database: DatabaseQueue
    let table: String
    /// The column naming the holder (`operator_id`, `staff_id`).
    let holderColumn: String

    /// The statement that creates such a table, for a store's migration.
    static func creation(_ table: String, holderColumn: String) -> String {
        """
        CREATE TABLE \(table) (
            token_hash TEXT PRIMARY KEY, \(holderColumn) TEXT NOT NULL, expires_at INTEGER NOT NULL) STRICT;
        """
    }

    /// Saves a session, or pushes back its expiry.
    public func save(_ session: StoredSession) throws {
        try database.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO \(table) VALUES (?, ?, ?)",
                arguments: [session.tokenHash, session.holder, Int64(clamping: session.expiresAt)])
        }
    }

    public func delete(tokenHash: String) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM \(table) WHERE token_hash = ?", arguments: [tokenHash])
        }
    }

    /// The sessions still open at `now`; expired ones are dropped.
    public func open(at now: UInt64) throws -> [StoredSession] {
        try database.write { db in
            try db.execute(sql: "DELETE FROM \(table) WHERE expires_at <= ?", arguments: [Int64(clamping: now)])
            return try Row.fetchAll(db, sql: "SELECT token_hash, \(holderColumn), expires_at FROM \(table)").map {
                row in
                StoredSession(
                    tokenHash: row[0], holder: row[1], expiresAt: UInt64(max(row[2] as Int64, 0)))
            }
        }
    }
}

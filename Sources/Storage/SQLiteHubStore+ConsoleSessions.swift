import GRDB

/// A console login as the hub keeps it on disk: the SHA-256 of its token,
/// never the token, so a copy of the database logs no one in.
public struct StoredConsoleSession: Hashable, Sendable {
    public var tokenHash: String
    public var operatorId: String
    /// Milliseconds since 1970.
    public var expiresAt: UInt64

    public init(tokenHash: String, operatorId: String, expiresAt: UInt64) {
        self.tokenHash = tokenHash
        self.operatorId = operatorId
        self.expiresAt = expiresAt
    }
}

/// Console sessions survive a hub restart (an upgrade must not log every
/// operator out).
extension SQLiteHubStore {
    static func registerConsoleSessions(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-console-sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE console_sessions (
                        token_hash TEXT PRIMARY KEY, operator_id TEXT NOT NULL, expires_at INTEGER NOT NULL) STRICT;
                    """)
        }
    }

    public func saveConsoleSession(_ session: StoredConsoleSession) throws {
        try database.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO console_sessions VALUES (?, ?, ?)",
                arguments: [session.tokenHash, session.operatorId, Int64(session.expiresAt)])
        }
    }

    public func deleteConsoleSession(tokenHash: String) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM console_sessions WHERE token_hash = ?", arguments: [tokenHash])
        }
    }

    /// The sessions still open at `now`; expired ones are dropped.
    public func consoleSessions(openAt now: UInt64) throws -> [StoredConsoleSession] {
        try database.write { db in
            try db.execute(sql: "DELETE FROM console_sessions WHERE expires_at <= ?", arguments: [Int64(now)])
            return try Row.fetchAll(db, sql: "SELECT * FROM console_sessions").map { row in
                StoredConsoleSession(
                    tokenHash: row["token_hash"], operatorId: row["operator_id"],
                    expiresAt: UInt64(row["expires_at"] as Int64))
            }
        }
    }
}

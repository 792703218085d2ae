import GRDB

/// A staff login as a node keeps it on disk: the SHA-256 of its token, never
/// the token, so a copy of a stolen node's database logs no one in.
public struct StoredStaffSession: Hashable, Sendable {
    public var tokenHash: String
    public var staffID: String
    /// Milliseconds since 1970.
    public var expiresAt: UInt64

    public init(tokenHash: String, staffID: String, expiresAt: UInt64) {
        self.tokenHash = tokenHash
        self.staffID = staffID
        self.expiresAt = expiresAt
    }
}

/// Staff sessions survive a node restart (a restart, an upgrade or a power
/// cut must not fail the clerk's next scan with 401). Local to the node:
/// the table is not replicated.
extension SQLiteReplica {
    static func registerStaffSessions(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-staff-sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE staff_sessions (
                        token_hash TEXT PRIMARY KEY, staff_id TEXT NOT NULL, expires_at INTEGER NOT NULL) STRICT;
                    """)
        }
    }

    /// Saves a session, or pushes back its expiry.
    public func saveStaffSession(_ session: StoredStaffSession) throws {
        try database.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO staff_sessions VALUES (?, ?, ?)",
                arguments: [session.tokenHash, session.staffID, Int64(clamping: session.expiresAt)])
        }
    }

    public func deleteStaffSession(tokenHash: String) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM staff_sessions WHERE token_hash = ?", arguments: [tokenHash])
        }
    }

    /// The sessions still open at `now`; expired ones are dropped.
    public func staffSessions(openAt now: UInt64) throws -> [StoredStaffSession] {
        try database.write { db in
            try db.execute(sql: "DELETE FROM staff_sessions WHERE expires_at <= ?", arguments: [Int64(clamping: now)])
            return try Row.fetchAll(db, sql: "SELECT * FROM staff_sessions").map { row in
                StoredStaffSession(
                    tokenHash: row["token_hash"], staffID: row["staff_id"],
                    expiresAt: UInt64(max(row["expires_at"] as Int64, 0)))
            }
        }
    }
}

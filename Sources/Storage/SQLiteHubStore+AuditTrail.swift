import GRDB
import SyncCore

/// The hub's audit trail: a compact copy of every audit entry the hub
/// takes, kept two years, while the replicated `audit_log` rows leave every
/// replica after a month like any event (SPEC §12.1). A trail row is about a
/// tenth of a replicated one (no stamp per column, no log payload), and the
/// console reads a node's latest entries through an index instead of
/// decoding every audit row in the hub's actor.
extension SQLiteHubStore {
    /// How long an entry stays in the trail after the hub took it.
    public static let auditTrailMillis: UInt64 = 730 * 86_400_000

    static func registerAuditTrail(in migrator: inout DatabaseMigrator, schema: SyncSchema) {
        migrator.registerMigration("v11-audit-trail") { db in
            try db.execute(
                sql: """
                    CREATE TABLE audit_trail (
                        key TEXT PRIMARY KEY, made INTEGER NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL,
                        action TEXT NOT NULL, target TEXT NOT NULL, outcome TEXT NOT NULL, node TEXT NOT NULL) STRICT;
                    CREATE INDEX audit_trail_by_made ON audit_trail (made);
                    """)
            // States were JSON until `v13-state-bytes`.
            for row in try Row.fetchAll(db, sql: "SELECT key, state FROM rows WHERE table_name = 'audit_log'") {
                try recordAudit(key: row["key"], state: try StoredJSON.decode(RowState.self, row["state"]), db)
            }
            // The replicated rows now go after a month, like a node's.
            try SQLiteReplica.backfillEndsAt(db, schema: schema, tables: ["audit_log"])
        }
    }

    /// Copies an audit row into the trail (once: a row is inserted once and
    /// never changed). Ordered and aged by when it was made by its stamp,
    /// which the hub bounds, not by the `at` a stolen device may set.
    static func recordAudit(key: String, state: RowState, _ db: Database) throws {
        guard state.isVisible, let made = state.newestWall.map({ Int64(clamping: $0) }) else { return }
        let entry = AuditEntry(key: key, values: state.values, made: made)
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO audit_trail (key, made, at, actor, action, target, outcome, node)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                key, made, entry.at, entry.actor, entry.action, entry.target, entry.outcome, entry.node,
            ])
    }

    /// Deletes the entries taken more than `auditTrailMillis` before `now`.
    static func pruneAuditTrail(now: UInt64, _ db: Database) throws {
        guard now > auditTrailMillis else { return }
        try db.execute(
            sql: "DELETE FROM audit_trail WHERE made < ?", arguments: [Int64(clamping: now - auditTrailMillis)])
    }

    /// The latest `limit` entries naming `node` in any field, as itself or
    /// as the last part of a name such as `device:gate-1`, newest first.
    public func auditTrail(about node: String, limit: Int) throws -> [AuditEntry] {
        try database.readKeepingStatements { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT key, actor, action, target, outcome, node, at FROM audit_trail
                    WHERE ?1 IN (actor, action, target, outcome, node)
                       OR ':' || ?1 IN (substr(actor, -length(?1) - 1), substr(target, -length(?1) - 1),
                                        substr(outcome, -length(?1) - 1), substr(action, -length(?1) - 1))
                    ORDER BY made DESC LIMIT ?2
                    """,
                arguments: [node, limit]
            ).map {
                AuditEntry(
                    key: $0["key"], actor: $0["actor"], action: $0["action"], target: $0["target"],
                    outcome: $0["outcome"], node: $0["node"], at: $0["at"])
            }
        }
    }
}

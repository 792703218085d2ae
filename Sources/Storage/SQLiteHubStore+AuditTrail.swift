import GRDB
import SyncCore

/// The hub's audit trail: a compact copy of every audit entry the hub
/// takes (`auditTrail` says which rows are entries), kept two years, while
/// the replicated `audit_log` rows leave every replica after a month like
/// any event (SPEC §12.1). A trail row is about a tenth of a replicated one
/// (no stamp per column, no log payload), and the console reads a node's
/// latest entries through an index instead of decoding every audit row in
/// the hub's actor.
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
                let ref = RowRef(table: AuditEntry.table, key: row["key"])
                if let (entry, made) = AuditTrailSources.auditLog.entry(
                    for: ref, try StoredJSON.decode(RowState.self, row["state"]))
                {
                    try record(entry, made: made, db)
                }
            }
            // The replicated rows now go after a month, like a node's.
            try SQLiteReplica.backfillEndsAt(db, schema: schema, tables: ["audit_log"])
        }
    }

    /// Copies an entry into the trail, once: the rows entries come from are
    /// inserted once and never changed. Ordered and aged by `made`, when the
    /// row's stamp says it was made, which the hub bounds, not by the `at` a
    /// stolen device may set.
    static func record(_ entry: AuditEntry, made: Int64, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO audit_trail (key, made, at, actor, action, target, outcome, node)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            entry.key, made, entry.at, entry.actor, entry.action, entry.target, entry.outcome, entry.node,
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

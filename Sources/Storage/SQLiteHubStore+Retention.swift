import GRDB
public import SyncCore

/// What keeps the hub's file from growing with every decision for ever:
/// event rows past their table's retention go, with the payloads of their
/// log entries and their claims on single-use items (SPEC §12.1), and the
/// mutable rows the hub retires are found through the same column (§12.2).
extension SQLiteHubStore {
    static func registerRetention(in migrator: inout DatabaseMigrator, schema: SyncSchema) {
        migrator.registerMigration("v8-retention") { db in
            try db.execute(
                sql: """
                    ALTER TABLE rows ADD COLUMN ends_at INTEGER;
                    CREATE INDEX rows_by_end ON rows (table_name, ends_at);
                    CREATE INDEX claims_by_age ON claims (kind, stamp_key);
                    """)
            try SQLiteReplica.backfillEndsAt(db, schema: schema)
        }
    }

    public func dropExpired(now: UInt64) throws -> Int {
        try database.write { db in
            var dropped = 0
            for table in self.schema.tables.values.sorted(by: { $0.name < $1.name }) where table.retainMillis != nil {
                let rows = try Row.fetchAll(
                    db, sql: "DELETE FROM rows WHERE table_name = ? AND ends_at <= ? RETURNING key, state",
                    arguments: [table.name, Int64(clamping: now)])
                let rules = self.schema.singleUseRules.filter { $0.table == table.name }
                for row in rows {
                    let key: String = row["key"]
                    // The entries stay (ids and hashes, for dedupe, §8.3); only
                    // their payloads go, so a resend skips them as collected.
                    try db.execute(
                        sql: "UPDATE log SET change = NULL WHERE table_name = ? AND key = ?",
                        arguments: [table.name, key])
                    guard !rules.isEmpty else { continue }
                    // The row's claims go with it: what it used has lapsed.
                    let state = try StoredState.decode(row["state"])
                    for rule in rules {
                        guard case .text(let item)? = state.cells[rule.itemColumn]?.value else { continue }
                        try db.execute(
                            sql: """
                                DELETE FROM claims WHERE kind = ? AND item = ? AND json_extract(claim, '$.rowKey') = ?
                                """,
                            arguments: [rule.kind, item, key])
                    }
                }
                dropped += rows.count
            }
            try Self.pruneAuditTrail(now: now, db)
            return dropped
        }
    }

    public func rowsToRetire(now: UInt64, limit: Int) throws -> [StoredRow] {
        try database.readKeepingStatements { db in
            var found: [StoredRow] = []
            for table in self.schema.tables.values.sorted(by: { $0.name < $1.name }) where table.retirement != nil {
                guard found.count < limit else { break }
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT key, channel, seq, state FROM rows
                        WHERE table_name = ? AND ends_at <= ? AND tombstone = 0 ORDER BY ends_at LIMIT ?
                        """,
                    arguments: [table.name, Int64(clamping: now), limit - found.count])
                for row in rows {
                    guard let channel = Channel(row["channel"] as String) else { continue }
                    found.append(
                        StoredRow(
                            ref: RowRef(table: table.name, key: row["key"]), channel: channel,
                            seq: try stored(row["seq"], "row \(table)/\(row["key"] as String) seq"),
                            state: try StoredState.decode(row["state"]))
                    )
                }
            }
            return found
        }
    }
}

/// The records of taken changes whose payload is gone, pruned once older
/// than the dedupe horizon (SPEC §12.3). The log has no time column, so each
/// pruning notes the log's position with the time; the position noted the
/// horizon ago bounds what may go.
extension SQLiteHubStore {
    static func registerLogPruning(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-log-pruning") { db in
            try db.execute(
                sql: """
                    CREATE TABLE log_marks (at INTEGER PRIMARY KEY, seq INTEGER NOT NULL) STRICT;
                    CREATE TABLE pruned_log (
                        origin TEXT NOT NULL, epoch INTEGER NOT NULL, through INTEGER NOT NULL,
                        PRIMARY KEY (origin, epoch)) STRICT;
                    """)
        }
        // An alias (a change taken again under another id: a replay to a
        // restored hub, an epoch moved) notes the log's position when taken,
        // so that it is pruned past the horizon like a record. Older aliases
        // count from the upgrade.
        migrator.registerMigration("v10-alias-positions") { db in
            try db.execute(
                sql: """
                    ALTER TABLE aliases ADD COLUMN taken_through INTEGER NOT NULL DEFAULT 0;
                    UPDATE aliases SET taken_through = (SELECT COALESCE(max(seq), 0) FROM log);
                    CREATE INDEX aliases_by_position ON aliases (taken_through);
                    """)
        }
    }

    static func prunedThrough(_ db: Database) throws -> [OriginEpoch: UInt64] {
        var pruned: [OriginEpoch: UInt64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT origin, epoch, through FROM pruned_log") {
            pruned[OriginEpoch(origin: row["origin"], epoch: try stored(row["epoch"], "pruned log epoch"))] =
                try stored(row["through"], "pruned log position")
        }
        return pruned
    }

    public func pruneLog(now: UInt64, horizonMillis: UInt64) throws -> [OriginEpoch: UInt64] {
        try database.write { db in
            let position = try Int64.fetchOne(db, sql: "SELECT COALESCE(max(seq), 0) FROM log") ?? 0
            try db.execute(
                sql: "INSERT OR REPLACE INTO log_marks (at, seq) VALUES (?, ?)",
                arguments: [Int64(clamping: now), position])
            guard now >= horizonMillis,
                let bound = try Row.fetchOne(
                    db, sql: "SELECT at, seq FROM log_marks WHERE at <= ? ORDER BY at DESC LIMIT 1",
                    arguments: [Int64(clamping: now - horizonMillis)])
            else { return [:] }
            // Older marks are no longer needed: this one bounds every later pruning.
            try db.execute(sql: "DELETE FROM log_marks WHERE at < ?", arguments: [bound["at"] as Int64])
            var pruned: [OriginEpoch: UInt64] = [:]
            // Each channel's last entry stays: the heads (and the hub's next
            // sequence) are read from the log at a start and must never go back.
            let gone = try Row.fetchAll(
                db,
                sql: """
                    DELETE FROM log WHERE change IS NULL AND seq <= ?
                    AND seq NOT IN (SELECT max(seq) FROM log GROUP BY channel)
                    RETURNING origin, epoch, oseq
                    """,
                arguments: [bound["seq"] as Int64])
            // Aliases taken by then go too, whatever they stand for: a change
            // sent again under one that late is a duplicate all the same.
            let goneAliases = try Row.fetchAll(
                db, sql: "DELETE FROM aliases WHERE taken_through <= ? RETURNING origin, epoch, oseq",
                arguments: [bound["seq"] as Int64])
            for row in gone + goneAliases {
                let key = OriginEpoch(origin: row["origin"], epoch: try stored(row["epoch"], "pruned epoch"))
                pruned[key] = max(pruned[key] ?? 0, try stored(row["oseq"], "pruned change seq"))
            }
            for (key, through) in pruned {
                try db.execute(
                    sql: """
                        INSERT INTO pruned_log (origin, epoch, through) VALUES (?, ?, ?)
                        ON CONFLICT (origin, epoch) DO UPDATE SET through = max(through, excluded.through)
                        """,
                    arguments: [key.origin, Int64(key.epoch), Int64(through)])
            }
            return pruned
        }
    }
}

import GRDB
public import SyncCore

/// What keeps the hub's file from growing with every decision for ever:
/// event rows past their table's retention go, with the payloads of their
/// log entries and their claims on single-use items (SPEC §12.1), and the
/// mutable rows the hub retires are found through the same column (§12.2).
extension SQLiteHubStore {
    static func registerRetention(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-retention") { db in
            try db.execute(
                sql: """
                    ALTER TABLE rows ADD COLUMN ends_at INTEGER;
                    CREATE INDEX rows_by_end ON rows (table_name, ends_at);
                    CREATE INDEX claims_by_age ON claims (kind, stamp_key);
                    """)
            try SQLiteReplica.backfillEndsAt(db)
        }
    }

    public func dropExpired(now: UInt64) throws -> Int {
        try database.write { db in
            var dropped = 0
            for table in Schema.mall.tables.values.sorted(by: { $0.name < $1.name }) {
                guard let retain = table.retainMillis, now >= retain else { continue }
                let keys = try String.fetchAll(
                    db, sql: "DELETE FROM rows WHERE table_name = ? AND ends_at <= ? RETURNING key",
                    arguments: [table.name, Int64(clamping: now)])
                // The entries stay (ids and hashes, for dedupe, §8.3); only
                // their payloads go, so a resend skips them as collected.
                for key in keys {
                    try db.execute(
                        sql: "UPDATE log SET change = NULL WHERE table_name = ? AND key = ?",
                        arguments: [table.name, key])
                }
                dropped += keys.count
                // Every claim made at or before the cutoff sorts below the
                // lowest key a claim made just after it can have.
                let firstKept = Self.sortKey(
                    Stamp(
                        hlc: HybridTimestamp(wallMillis: now - retain + 1), id: ChangeID(origin: "", epoch: 0, seq: 0)))
                for rule in SingleUseRule.all where rule.table == table.name {
                    try db.execute(
                        sql: "DELETE FROM claims WHERE kind = ? AND stamp_key < ?", arguments: [rule.kind, firstKept])
                }
            }
            return dropped
        }
    }

    public func rowsToRetire(now: UInt64, limit: Int) throws -> [StoredRow] {
        try database.read { db in
            var found: [StoredRow] = []
            for table in Schema.mall.tables.values.sorted(by: { $0.name < $1.name }) where table.retirement != nil {
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
                            seq: UInt64(row["seq"] as Int64), state: try StoredJSON.decode(RowState.self, row["state"]))
                    )
                }
            }
            return found
        }
    }
}

import GRDB
import SyncCore

/// Event rows past their table's retention (SPEC §12.1), with the payloads
/// of their log entries and their claims on single-use items: what keeps
/// the hub's file from growing with every decision for ever.
extension SQLiteHubStore {
    static func registerRetention(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-retention") { db in
            try db.execute(
                sql: """
                    ALTER TABLE rows ADD COLUMN made_at INTEGER;
                    CREATE INDEX rows_by_age ON rows (table_name, made_at);
                    CREATE INDEX claims_by_age ON claims (kind, stamp_key);
                    """)
            let tables = Schema.mall.tables.values.filter { $0.retainMillis != nil }.map(\.name)
            for table in tables {
                for row in try Row.fetchAll(
                    db, sql: "SELECT key, state FROM rows WHERE table_name = ?", arguments: [table])
                {
                    let state = try StoredJSON.decode(RowState.self, row["state"])
                    try db.execute(
                        sql: "UPDATE rows SET made_at = ? WHERE table_name = ? AND key = ?",
                        arguments: [state.newestWall.map { Int64(clamping: $0) }, table, row["key"] as String])
                }
            }
        }
    }

    public func dropExpired(now: UInt64) throws -> Int {
        try database.write { db in
            var dropped = 0
            for table in Schema.mall.tables.values.sorted(by: { $0.name < $1.name }) {
                guard let retain = table.retainMillis, now >= retain else { continue }
                let cutoff = now - retain
                let keys = try String.fetchAll(
                    db, sql: "DELETE FROM rows WHERE table_name = ? AND made_at <= ? RETURNING key",
                    arguments: [table.name, Int64(clamping: cutoff)])
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
                    Stamp(hlc: HybridTimestamp(wallMillis: cutoff + 1), id: ChangeID(origin: "", epoch: 0, seq: 0)))
                for rule in SingleUseRule.all where rule.table == table.name {
                    try db.execute(
                        sql: "DELETE FROM claims WHERE kind = ? AND stamp_key < ?", arguments: [rule.kind, firstKept])
                }
            }
            return dropped
        }
    }
}

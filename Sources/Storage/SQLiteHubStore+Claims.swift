import GRDB
public import SyncCore

/// Claims on single-use items, read as a tally: the earliest few in stamp
/// order through an index, and a count, so an item used a hundred thousand
/// times costs the same to check as one used twice.
extension SQLiteHubStore {
    static func registerClaimOrder(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-claim-order") { db in
            try db.execute(sql: "ALTER TABLE claims ADD COLUMN stamp_key TEXT NOT NULL DEFAULT ''")
            let rows = try Row.fetchAll(db, sql: "SELECT rowid, claim FROM claims")
            for row in rows {
                let claim = try StoredJSON.decode(Claim.self, row["claim"] as String)
                try db.execute(
                    sql: "UPDATE claims SET stamp_key = ? WHERE rowid = ?",
                    arguments: [sortKey(claim.stamp), row["rowid"] as Int64])
            }
            try db.execute(
                sql: """
                    DROP INDEX claims_by_item;
                    CREATE INDEX claims_in_order ON claims (kind, item, stamp_key);
                    """)
        }
    }

    /// Text that sorts as the stamps do (`Stamp.<`): clock wall time and
    /// counter, then the change id's origin, epoch and sequence. Numbers are
    /// zero-padded (every one is at most 2^53 - 1, 16 digits); the origin is
    /// an identifier, ended by a space, which sorts below every identifier
    /// character, so "gate" sorts before "gate-1" as it does in Swift.
    static func sortKey(_ stamp: Stamp) -> String {
        func padded(_ number: UInt64, _ width: Int) -> String {
            let digits = String(number)
            return String(repeating: "0", count: max(width - digits.count, 0)) + digits
        }
        return padded(stamp.hlc.wallMillis, 16) + padded(UInt64(stamp.hlc.counter), 10) + stamp.id.origin + " "
            + padded(stamp.id.epoch, 16) + padded(stamp.id.seq, 16)
    }

    public func claimTally(kind: String, item: String) throws -> ClaimTally {
        try database.readKeepingStatements { db in
            let earliest = try String.fetchAll(
                db, sql: "SELECT claim FROM claims WHERE kind = ? AND item = ? ORDER BY stamp_key LIMIT ?",
                arguments: [kind, item, ClaimTally.kept]
            ).map { try StoredJSON.decode(Claim.self, $0) }
            let count =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM claims WHERE kind = ? AND item = ?", arguments: [kind, item]) ?? 0
            return ClaimTally(earliest: earliest, count: count)
        }
    }

    static func insert(_ claim: Claim, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO claims (kind, item, claim, stamp_key) VALUES (?, ?, ?, ?)",
            arguments: [claim.kind, claim.item, try StoredJSON.encode(claim), sortKey(claim.stamp)])
    }
}

import Foundation
import GRDB
public import SyncCore

/// Acknowledged changes kept aside for a while, and what a node does when
/// the hub's log history changes (§9.6): a hub restored from a backup lost
/// what it acknowledged since, and the nodes give it back.
extension SQLiteReplica {
    static func registerKeptAcknowledged(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-kept-acknowledged") { db in
            try db.execute(
                sql: """
                    CREATE TABLE acknowledged (
                        epoch INTEGER NOT NULL, seq INTEGER NOT NULL, chain TEXT NOT NULL,
                        hlc_wall INTEGER NOT NULL, hlc_counter INTEGER NOT NULL, channel TEXT NOT NULL,
                        change TEXT NOT NULL, acked_at INTEGER NOT NULL, PRIMARY KEY (epoch, seq)) STRICT;
                    CREATE INDEX acknowledged_by_time ON acknowledged (acked_at);
                    ALTER TABLE outbox ADD COLUMN replayed INTEGER NOT NULL DEFAULT 0;
                    """)
        }
    }

    static func registerFirstAckTimes(in migrator: inout DatabaseMigrator) {
        // A change replayed to a restored hub is kept a week from its first
        // acknowledgement, not from each new one: restores in a row must not
        // keep it for ever. Replayed changes of an older store count from now.
        // The time says all the `replayed` flag said (a change is replayed
        // when a hub acknowledged it before), so the flag goes.
        migrator.registerMigration("v6-first-acked-at") { db in
            try db.execute(
                sql: """
                    ALTER TABLE outbox ADD COLUMN first_acked_at INTEGER;
                    UPDATE outbox SET first_acked_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE replayed = 1;
                    ALTER TABLE outbox DROP COLUMN replayed;
                    """)
        }
    }

    public func acknowledge(_ ack: AckEntry, now: UInt64) throws -> Int {
        try database.write { db in
            let chain = try String.fetchOne(
                db, sql: "SELECT chain FROM outbox WHERE epoch = ? AND seq = ?",
                arguments: [Int64(ack.epoch), Int64(ack.upTo)])
            guard chain == ack.hash else { return 0 }
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO acknowledged
                    SELECT epoch, seq, chain, hlc_wall, hlc_counter, channel, change, COALESCE(first_acked_at, ?)
                    FROM outbox
                    WHERE epoch = ? AND seq <= ?
                    """,
                arguments: [Int64(clamping: now), Int64(ack.epoch), Int64(ack.upTo)])
            try db.execute(
                sql: "DELETE FROM outbox WHERE epoch = ? AND seq <= ?", arguments: [Int64(ack.epoch), Int64(ack.upTo)])
            return db.changesCount
        }
    }

    public func sequenceChain(at id: ChangeID) throws -> String? {
        try database.readWithOneStatement { db in
            try String.fetchOne(
                try db.cachedStatement(
                    sql: """
                        SELECT chain FROM outbox WHERE epoch = ?1 AND seq = ?2
                        UNION ALL SELECT chain FROM acknowledged WHERE epoch = ?1 AND seq = ?2
                        """),
                arguments: [Int64(clamping: id.epoch), Int64(clamping: id.seq)])
        }
    }

    public func forgetAcknowledged(before cutoff: UInt64) throws {
        try database.write { db in
            try db.execute(
                sql: "DELETE FROM acknowledged WHERE acked_at < ?", arguments: [Int64(clamping: cutoff)])
        }
    }

    public func followHubHistory(_ id: String, cursorsValidThrough: UInt64, replayInto: UInt64?) throws -> UInt64 {
        try database.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO meta_text (key, value) VALUES ('hub_history', ?)", arguments: [id])
            try Self.dropStagedSnapshots(notOf: id, db)
            guard let replayInto else { return 0 }
            try db.execute(
                sql: """
                    DELETE FROM cursors WHERE seq > ?1
                    OR channel IN (SELECT DISTINCT channel FROM rows WHERE seq > ?1)
                    """,
                arguments: [Int64(clamping: cursorsValidThrough)])
            // The restored hub's floors start again from its backup's.
            try db.execute(sql: "DELETE FROM collected_floors")
            let kept = try Row.fetchAll(
                db,
                sql: """
                    SELECT change, first_acked_at FROM (
                        SELECT epoch, seq, change, acked_at AS first_acked_at FROM acknowledged
                        UNION ALL SELECT epoch, seq, change, first_acked_at FROM outbox)
                    ORDER BY epoch, seq
                    """
            ).map { (stored: $0["change"] as Data, firstAckedAt: $0["first_acked_at"] as Int64?) }
            try db.execute(sql: "DELETE FROM acknowledged")
            try db.execute(sql: "DELETE FROM outbox")
            return try Self.renumber(kept, into: replayInto, db)
        }
    }
}

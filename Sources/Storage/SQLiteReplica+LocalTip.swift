import GRDB
import SyncCore

/// Where the node's own changes stand, in one row of `local_tip`: the tip of
/// the sequence chain (§12.3), the last change made and the clock.
///
/// They were eight keys of `meta` and `meta_text`, and every local commit
/// read five of them in one statement and replaced all eight in two: eight
/// keys deleted and inserted again, on two pages of the WAL. A gate decision
/// now reads and updates one row in place, on one page.
struct LocalTip {
    var chain: (epoch: UInt64, seq: UInt64, text: String)
    /// The last change made (epoch 0: none yet).
    var lastCreated: ChangeID
    var clock: HybridTimestamp

    /// The stored row; `corrupt` for a missing row or a number out of range
    /// (a damaged or edited file).
    static func read(_ db: Database) throws -> LocalTip {
        let tip = try db.cachedStatement(
            sql: """
                SELECT chain_epoch, chain_seq, chain, last_created_epoch, last_created_seq, origin,
                    clock_wall, clock_counter FROM local_tip WHERE id = 1
                """
        ).firstRow(arguments: []) { columns in
            LocalTip(
                chain: (
                    try stored(Int64(sqliteStatement: columns, index: 0), "local_tip chain_epoch"),
                    try stored(Int64(sqliteStatement: columns, index: 1), "local_tip chain_seq"),
                    String(sqliteStatement: columns, index: 2)
                ),
                lastCreated: ChangeID(
                    origin: String(sqliteStatement: columns, index: 5),
                    epoch: try stored(Int64(sqliteStatement: columns, index: 3), "local_tip last_created_epoch"),
                    seq: try stored(Int64(sqliteStatement: columns, index: 4), "local_tip last_created_seq")),
                clock: HybridTimestamp(
                    wallMillis: try stored(Int64(sqliteStatement: columns, index: 6), "local_tip clock_wall"),
                    counter: try storedCounter(Int64(sqliteStatement: columns, index: 7), "local_tip clock_counter")))
        }
        guard let tip else { throw StorageError(.corrupt, "local_tip has no row") }
        return tip
    }

    /// Updates the row in place; a number `read` would refuse is refused
    /// here first, and nothing is written.
    func write(_ db: Database) throws {
        let chainEpoch = try storable(chain.epoch, "local_tip chain_epoch")
        let chainSeq = try storable(chain.seq, "local_tip chain_seq")
        let lastEpoch = try storable(lastCreated.epoch, "local_tip last_created_epoch")
        let lastSeq = try storable(lastCreated.seq, "local_tip last_created_seq")
        let wall = try storable(clock.wallMillis, "local_tip clock_wall")
        try db.cachedStatement(
            sql: """
                UPDATE local_tip SET chain_epoch = ?, chain_seq = ?, chain = ?, last_created_epoch = ?,
                    last_created_seq = ?, origin = ?, clock_wall = ?, clock_counter = ? WHERE id = 1
                """
        ).execute { bind in
            bind.int(chainEpoch)
            bind.int(chainSeq)
            bind.text(chain.text)
            bind.int(lastEpoch)
            bind.int(lastSeq)
            bind.text(lastCreated.origin)
            bind.int(wall)
            bind.int(Int64(clock.counter))
        }
        guard db.changesCount == 1 else { throw StorageError(.corrupt, "local_tip has no row") }
    }
}

extension SQLiteReplica {
    static func registerLocalTip(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v17-local-tip") { db in
            try db.execute(
                sql: """
                    CREATE TABLE local_tip (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        chain_epoch INTEGER NOT NULL, chain_seq INTEGER NOT NULL, chain TEXT NOT NULL,
                        last_created_epoch INTEGER NOT NULL, last_created_seq INTEGER NOT NULL, origin TEXT NOT NULL,
                        clock_wall INTEGER NOT NULL, clock_counter INTEGER NOT NULL) STRICT;
                    INSERT INTO local_tip VALUES (
                        1,
                        coalesce((SELECT value FROM meta WHERE key = 'chain_epoch'), 0),
                        coalesce((SELECT value FROM meta WHERE key = 'chain_seq'), 0),
                        coalesce((SELECT value FROM meta_text WHERE key = 'chain'), ''),
                        coalesce((SELECT value FROM meta WHERE key = 'last_created_epoch'), 0),
                        coalesce((SELECT value FROM meta WHERE key = 'last_created_seq'), 0),
                        coalesce((SELECT value FROM meta_text WHERE key = 'origin'), ''),
                        coalesce((SELECT value FROM meta WHERE key = 'clock_wall'), 0),
                        coalesce((SELECT value FROM meta WHERE key = 'clock_counter'), 0));
                    DELETE FROM meta WHERE key IN (
                        'chain_epoch', 'chain_seq', 'last_created_epoch', 'last_created_seq', 'clock_wall',
                        'clock_counter');
                    DELETE FROM meta_text WHERE key IN ('chain', 'origin');
                    """)
        }
    }
}

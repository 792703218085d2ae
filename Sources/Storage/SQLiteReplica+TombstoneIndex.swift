import GRDB

/// The replica's `rows` keep two indexes besides their key: `rows_by_end`
/// for retention, and `rows_tombstones`, which holds only tombstones.
///
/// `rows_by_channel` (channel, table, key) is dropped: its order is the
/// key's within one channel, and every merge paid for a fourth b-tree to
/// serve queries a node runs rarely (a snapshot install, a digest, a new hub
/// history), which scan the key instead. A write of random keys costs about
/// 30 % less without it. Collecting tombstones, which ran whenever the floor
/// moved and read every row of the channel through that index, reads the
/// tombstones alone.
extension SQLiteReplica {
    static func registerTombstoneIndex(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v14-tombstone-index") { db in
            try db.execute(
                sql: """
                    DROP INDEX rows_by_channel;
                    CREATE INDEX rows_tombstones ON rows (channel, seq) WHERE tombstone = 1;
                    """)
        }
    }
}

import GRDB

/// The oldest change waiting in the outbox is its first by `(epoch, seq)`,
/// its primary key: a node numbers its changes in the order its clock
/// stamps them (the clock is stored with every commit and never goes back,
/// and a move to a new epoch keeps their order), so the key answers what
/// the index `outbox_by_age (hlc_wall, hlc_counter)` did, and the outbox
/// keeps one b-tree, not two: a gate decision appends three changes, and
/// wrote a page of that index with every one.
extension SQLiteReplica {
    static func registerOutboxOrder(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v16-outbox-oldest-by-seq") { db in
            try db.execute(sql: "DROP INDEX outbox_by_age")
        }
    }
}

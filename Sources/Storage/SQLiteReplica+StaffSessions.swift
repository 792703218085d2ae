import GRDB

/// Staff sessions survive a node restart (a restart, an upgrade or a power
/// cut must not fail the clerk's next scan with 401). Local to the node:
/// the table is not replicated.
extension SQLiteReplica {
    static func registerStaffSessions(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-staff-sessions") { db in
            try db.execute(sql: SessionTable.creation("staff_sessions", holderColumn: "staff_id"))
        }
    }

    /// Staff logins at this node, by token hash.
    public var staffSessions: SessionTable {
        SessionTable(database: database, table: "staff_sessions", holderColumn: "staff_id")
    }
}

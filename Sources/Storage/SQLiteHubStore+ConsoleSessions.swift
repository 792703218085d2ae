import GRDB

/// Console sessions survive a hub restart (an upgrade must not log every
/// operator out).
extension SQLiteHubStore {
    static func registerConsoleSessions(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-console-sessions") { db in
            try db.execute(sql: SessionTable.creation("console_sessions", holderColumn: "operator_id"))
        }
    }

    /// Operators' console logins, by token hash.
    public var consoleSessions: SessionTable {
        SessionTable(database: database, table: "console_sessions", holderColumn: "operator_id")
    }
}

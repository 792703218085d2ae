import GRDB
public import SyncCore

/// The schema each channel's rows are held under (SPEC §16.1): a node
/// upgraded to a schema that grew on a channel snapshots it again, to get
/// the rows and columns it passed by while it was older.
extension SQLiteReplica {
    static func registerHeldSchemas(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v10-held-schemas") { db in
            try db.execute(
                sql: "CREATE TABLE held_schemas (channel TEXT PRIMARY KEY, fingerprint TEXT NOT NULL) STRICT")
        }
    }

    static func heldSchemas(_ db: Database) throws -> [Channel: String] {
        try Row.fetchAll(db, sql: "SELECT channel, fingerprint FROM held_schemas").reduce(into: [:]) {
            if let channel = Channel($1["channel"] as String) { $0[channel] = $1["fingerprint"] as String }
        }
    }

    public func holdSchema(_ fingerprint: String, of channel: Channel, restart: Bool) throws {
        try database.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO held_schemas (channel, fingerprint) VALUES (?, ?)",
                arguments: [channel.name, fingerprint])
            if restart { try db.execute(sql: "DELETE FROM cursors WHERE channel = ?", arguments: [channel.name]) }
            try Self.dropStagedSnapshot(of: channel, db)
        }
    }
}

import GRDB
public import SyncCore

/// The floor up to which each channel's tombstones were collected (§12):
/// the replica digest leaves out tombstones at or below it (§12.4), so a
/// digest read from a stopped node's file matches the hub's.
extension SQLiteReplica {
    static func registerCollectedFloors(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-collected-floors") { db in
            try db.execute(
                sql: "CREATE TABLE collected_floors (channel TEXT PRIMARY KEY, floor INTEGER NOT NULL) STRICT")
        }
    }

    /// Raises the channel's recorded floor (never lowers it), in the
    /// transaction that collects its tombstones.
    static func raiseCollectedFloor(_ db: Database, channel: Channel, to floor: UInt64) throws {
        try db.execute(
            sql: """
                INSERT INTO collected_floors (channel, floor) VALUES (?, ?)
                ON CONFLICT (channel) DO UPDATE SET floor = max(floor, excluded.floor)
                """,
            arguments: [channel.name, Int64(clamping: floor)])
    }

    public func highestRowSeq(in channel: Channel) throws -> UInt64 {
        try database.readKeepingStatements { db in
            try stored(
                try Int64.fetchOne(db, sql: "SELECT max(seq) FROM rows WHERE channel = ?", arguments: [channel.name])
                    ?? 0, "row seq")
        }
    }

    public func collectedFloor(of channel: Channel) throws -> UInt64 {
        try database.readKeepingStatements { db in
            let floor = try Int64.fetchOne(
                db, sql: "SELECT floor FROM collected_floors WHERE channel = ?", arguments: [channel.name])
            return UInt64(clamping: floor ?? 0)
        }
    }
}

import GRDB

/// One sample of a node's sync state, for the console's charts.
public struct HistorySample: Codable, Hashable, Sendable {
    public var node: String
    /// Milliseconds since 1970.
    public var at: UInt64
    public var online: Bool
    public var outboxDepth: Int
    /// Changes the node is behind, summed over its channels.
    public var lag: UInt64
    /// Changes from the node the hub accepted since the previous sample.
    public var changes: Int

    public init(node: String, at: UInt64, online: Bool, outboxDepth: Int, lag: UInt64, changes: Int) {
        self.node = node
        self.at = at
        self.online = online
        self.outboxDepth = outboxDepth
        self.lag = lag
        self.changes = changes
    }
}

/// The console's node history, kept in the hub's database so the charts of
/// the last hours survive a hub restart (an upgrade, a crash).
extension SQLiteHubStore {
    static func registerHistory(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-node-history") { db in
            try db.execute(
                sql: """
                    CREATE TABLE node_history (
                        node TEXT NOT NULL, at INTEGER NOT NULL, online INTEGER NOT NULL, outbox INTEGER NOT NULL,
                        lag INTEGER NOT NULL, changes INTEGER NOT NULL, PRIMARY KEY (node, at)) STRICT, WITHOUT ROWID;
                    CREATE INDEX node_history_by_time ON node_history (at);
                    """)
        }
    }

    /// The node history table, for the console's history component.
    public var nodeHistory: HistoryTable { HistoryTable(database: database) }
}

/// The hub's `node_history` table: each node's samples, by node and time.
public struct HistoryTable: Sendable {
    let database: DatabaseQueue

    /// Adds samples and drops those taken before `cutoff`, in one commit.
    public func append(_ samples: [HistorySample], droppingBefore cutoff: UInt64) throws {
        try database.write { db in
            for sample in samples {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO node_history VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        sample.node, Int64(clamping: sample.at), sample.online, sample.outboxDepth,
                        Int64(clamping: sample.lag), sample.changes,
                    ])
            }
            try db.execute(sql: "DELETE FROM node_history WHERE at < ?", arguments: [Int64(clamping: cutoff)])
        }
    }

    /// Every sample taken at or after `since`, oldest first.
    public func samples(since: UInt64) throws -> [HistorySample] {
        try database.readKeepingStatements { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM node_history WHERE at >= ? ORDER BY at, node",
                arguments: [Int64(clamping: since)]
            ).map { row in
                HistorySample(
                    node: row["node"], at: UInt64(clamping: row["at"] as Int64), online: row["online"],
                    outboxDepth: row["outbox"], lag: UInt64(clamping: row["lag"] as Int64), changes: row["changes"])
            }
        }
    }
}

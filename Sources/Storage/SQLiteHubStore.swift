import Foundation
public import GRDB
import GRDBSQLite
public import SyncCore

/// The hub's store in a SQLite file: the log, merged rows, high-water marks,
/// claims on single-use items, floors and the fleet. `commit` writes a whole
/// accepted batch in one transaction, durable once `groupCommit` says so:
/// the hub publishes its acks and fan-out only after that, and messages
/// taken meanwhile share the fsync. Every other write is committed with
/// `synchronous=FULL`.
public final class SQLiteHubStore: HubStore {
    public let database: DatabaseQueue
    /// Where the publisher and the hub's own writes wait for `commit`s to be on disk.
    public let groupCommit: GroupCommit
    /// What the rows are: their tables' retention, the single-use rules
    /// whose claims leave with them.
    public let schema: SyncSchema
    /// Which rows the audit trail copies as they come in.
    public let auditTrail: AuditTrailSources

    public init(path: String, schema: SyncSchema, auditTrail: AuditTrailSources = .auditLog) throws {
        database = try SQLiteDatabase.open(path: path)
        groupCommit = GroupCommit(database: database, path: path)
        self.schema = schema
        self.auditTrail = auditTrail
        try Self.migrator(schema: schema).migrate(database)
    }

    /// Opens a store to read it beside the process that owns it (a digest):
    /// nothing is migrated, since a migration rewrites tables under that
    /// process, and a store this version has not upgraded yet is refused.
    public init(readingPath path: String, schema: SyncSchema) throws {
        database = try SQLiteDatabase.open(path: path)
        groupCommit = GroupCommit(database: database, path: path)
        self.schema = schema
        auditTrail = .auditLog  // It commits nothing, so it copies no entry.
        try SQLiteDatabase.requireUpgraded(database, by: Self.migrator(schema: schema), path: path)
    }

    static func migrator(schema: SyncSchema) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
                    CREATE TABLE log (
                        seq INTEGER PRIMARY KEY, origin TEXT NOT NULL, epoch INTEGER NOT NULL, oseq INTEGER NOT NULL,
                        hash TEXT NOT NULL, chain TEXT NOT NULL, channel TEXT NOT NULL, table_name TEXT NOT NULL,
                        key TEXT NOT NULL,
                        change TEXT, UNIQUE (origin, epoch, oseq)) STRICT;
                    CREATE INDEX log_by_channel ON log (channel, seq);
                    CREATE INDEX log_by_row ON log (table_name, key, seq);
                    CREATE INDEX log_by_content ON log (origin, hash);
                    CREATE TABLE aliases (
                        origin TEXT NOT NULL, epoch INTEGER NOT NULL, oseq INTEGER NOT NULL, hash TEXT NOT NULL,
                        chain TEXT NOT NULL, PRIMARY KEY (origin, epoch, oseq)) STRICT;
                    CREATE TABLE rows (
                        table_name TEXT NOT NULL, key TEXT NOT NULL, channel TEXT NOT NULL, seq INTEGER NOT NULL,
                        tombstone INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY (table_name, key)) STRICT;
                    CREATE INDEX rows_by_channel ON rows (channel, tombstone, seq);
                    CREATE TABLE high_waters (
                        origin TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL, chain TEXT NOT NULL,
                        PRIMARY KEY (origin, epoch)) STRICT;
                    CREATE TABLE claims (kind TEXT NOT NULL, item TEXT NOT NULL, claim TEXT NOT NULL) STRICT;
                    CREATE INDEX claims_by_item ON claims (kind, item);
                    CREATE TABLE floors (channel TEXT PRIMARY KEY, seq INTEGER NOT NULL) STRICT;
                    CREATE TABLE nodes (node TEXT PRIMARY KEY, record TEXT NOT NULL) STRICT;
                    """)
        }
        registerHistory(in: &migrator)
        registerConsoleSessions(in: &migrator)
        // The timestamp of each high-water mark's change, which the hub checks
        // the origin's next change against (0 for marks set before: unchecked once).
        migrator.registerMigration("v4-high-water-stamps") { db in
            try db.execute(
                sql: """
                    ALTER TABLE high_waters ADD COLUMN hlc_wall INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE high_waters ADD COLUMN hlc_counter INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        registerClaimOrder(in: &migrator)
        registerLogHistories(in: &migrator)
        registerRetention(in: &migrator, schema: schema)
        registerLogPruning(in: &migrator)
        registerAuditTrail(in: &migrator, schema: schema)
        // A window of a snapshot (§9.5) is the next rows of a channel after a
        // given one: read through this index, it costs the window, not the channel.
        migrator.registerMigration("v12-rows-by-channel-key") { db in
            try db.execute(sql: "CREATE INDEX rows_by_channel_key ON rows (channel, table_name, key)")
        }
        registerStateBytes(in: &migrator)
        registerLogChecks(in: &migrator)
        return migrator
    }

    public func synchronousLevel() throws -> Int { try SQLiteDatabase.synchronousLevel(database) }

    /// How many log entries of `channel` lie after `seq` (through the
    /// channel's index): how far behind a node at that cursor is.
    public func entryCount(channel: Channel, after seq: UInt64) throws -> UInt64 {
        try database.readKeepingStatements { db in
            UInt64(
                try Int64.fetchOne(
                    try db.cachedStatement(sql: "SELECT COUNT(*) FROM log WHERE channel = ? AND seq > ?"),
                    arguments: [channel.name, Int64(seq)]) ?? 0)
        }
    }

    public func start() throws -> HubStartState {
        try database.write { db in
            let lastEpoch = try stored(
                try Int64.fetchOne(try db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'epoch'")) ?? 0,
                "meta epoch")
            var epoch = Int64(try nextEpoch(after: lastEpoch, "meta epoch"))
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('epoch', ?)").execute(
                arguments: [epoch])
            let wall =
                try Int64.fetchOne(try db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'clock_wall'")) ?? 0
            let counter =
                try Int64.fetchOne(try db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'clock_counter'"))
                ?? 0
            var highWaters: [OriginEpoch: HighWater] = [:]
            for row in try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT origin, epoch, seq, chain, hlc_wall, hlc_counter FROM high_waters"))
            {
                highWaters[OriginEpoch(origin: row["origin"], epoch: try stored(row["epoch"], "high-water epoch"))] =
                    HighWater(
                        seq: try stored(row["seq"], "high-water seq"), chain: row["chain"],
                        hlc: HybridTimestamp(
                            wallMillis: UInt64(clamping: row["hlc_wall"] as Int64),
                            counter: UInt32(clamping: row["hlc_counter"] as Int64)))
            }
            var heads: [Channel: UInt64] = [:]
            for row in try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT channel, max(seq) AS head FROM log GROUP BY channel"))
            {
                if let channel = Channel(row["channel"] as String) {
                    heads[channel] = try stored(row["head"], "log head")
                }
            }
            var floors: [Channel: UInt64] = [:]
            for row in try Row.fetchAll(try db.cachedStatement(sql: "SELECT channel, seq FROM floors")) {
                if let channel = Channel(row["channel"] as String) { floors[channel] = try stored(row["seq"], "floor") }
            }
            var nodes: [NodeID: NodeRecord] = [:]
            for text in try String.fetchAll(try db.cachedStatement(sql: "SELECT record FROM nodes")) {
                let record = try StoredJSON.decode(NodeRecord.self, text)
                nodes[record.node] = record
            }
            let lastSeq = try stored(
                try Int64.fetchOne(try db.cachedStatement(sql: "SELECT max(seq) FROM log")) ?? 0, "log position")
            let history = try Self.startHistory(db, lastSeq: lastSeq, epoch: &epoch)
            return HubStartState(
                epoch: UInt64(epoch),
                clock: HybridTimestamp(
                    wallMillis: try stored(wall, "meta clock_wall"),
                    counter: try storedCounter(counter, "meta clock_counter")),
                lastSeq: lastSeq, highWaters: highWaters, heads: heads, floors: floors, nodes: nodes,
                history: history, prunedThrough: try Self.prunedThrough(db))
        }
    }

    public func logged(_ id: ChangeID) throws -> LoggedChange? {
        try database.readKeepingStatements { db in
            try Row.fetchOne(
                try db.cachedStatement(
                    sql: """
                        SELECT hash, chain FROM log WHERE origin = ?1 AND epoch = ?2 AND oseq = ?3
                        UNION ALL SELECT hash, chain FROM aliases WHERE origin = ?1 AND epoch = ?2 AND oseq = ?3
                        """),
                arguments: [id.origin, Int64(id.epoch), Int64(id.seq)]
            ).map { LoggedChange(hash: $0["hash"], chain: $0["chain"]) }
        }
    }

    public func loggedID(origin: NodeID, contentHash: String) throws -> ChangeID? {
        try database.readKeepingStatements { db in
            try Row.fetchOne(
                try db.cachedStatement(
                    sql: """
                        SELECT epoch, oseq FROM log WHERE origin = ?1 AND hash = ?2
                        UNION ALL SELECT epoch, oseq FROM aliases WHERE origin = ?1 AND hash = ?2 LIMIT 1
                        """),
                arguments: [origin, contentHash]
            ).map {
                ChangeID(
                    origin: origin, epoch: try stored($0["epoch"], "logged epoch"),
                    seq: try stored($0["oseq"], "logged seq"))
            }
        }
    }

    /// Every row of one table, in key order (the conflict ledger, for operators).
    public func rows(ofTable table: String) throws -> [StoredRow] {
        try database.readKeepingStatements { db in
            try Row.fetchAll(
                try db.cachedStatement(
                    sql: "SELECT key, channel, seq, state FROM rows WHERE table_name = ? ORDER BY key"),
                arguments: [table]
            ).map { row in
                guard let channel = Channel(row["channel"] as String) else {
                    throw StorageError(.corrupt, "row \(table) has an invalid channel")
                }
                return StoredRow(
                    ref: RowRef(table: table, key: row["key"]), channel: channel,
                    seq: try stored(row["seq"], "row seq"),
                    state: try StoredState.decode(row["state"]))
            }
        }
    }

    /// Read straight from the statement (`firstRow`), as `row(_:)`: the
    /// hub asks both for every insert it takes.
    public func wasCollected(_ ref: RowRef) throws -> Bool {
        try database.readKeepingStatements { db in
            try db.cachedStatement(
                sql: """
                    SELECT EXISTS (SELECT 1 FROM log WHERE table_name = ?1 AND key = ?2)
                    AND NOT EXISTS (SELECT 1 FROM rows WHERE table_name = ?1 AND key = ?2)
                    """
            ).firstRow(arguments: [ref.table, ref.key]) { sqlite3_column_int64($0, 0) != 0 } ?? false
        }
    }

    public func row(_ ref: RowRef) throws -> StoredRow? {
        try database.readKeepingStatements { db in
            try db.cachedStatement(sql: "SELECT channel, seq, state FROM rows WHERE table_name = ? AND key = ?")
                .firstRow(arguments: [ref.table, ref.key]) { columns in
                    guard let channel = columnText(columns, 0).flatMap(Channel.init) else {
                        throw StorageError(.corrupt, "row \(ref.table) has an invalid channel")
                    }
                    return StoredRow(
                        ref: ref, channel: channel,
                        seq: try stored(Int64(sqliteStatement: columns, index: 1), "row seq"),
                        state: try StoredState.decode(columnBytes(columns, 2)))
                }
        }
    }

    /// One deferred read transaction around `body`: the store's reads inside
    /// it run on it directly (`readKeepingStatements` is reentrant).
    public func readingTogether<T>(_ body: () throws -> T) throws -> T {
        try database.readKeepingStatements { _ in try body() }
    }

    public func commit(_ ingest: HubIngest) throws {
        try SQLiteDatabase.writeDeferringSync(database, group: groupCommit) { db in
            for (entry, logged) in ingest.entries {
                let change = entry.change
                try db.cachedStatement(
                    sql: """
                        INSERT INTO log (seq, origin, epoch, oseq, hash, chain, channel, table_name, key, change)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    Int64(entry.seq), change.id.origin, Int64(change.id.epoch), Int64(change.id.seq), logged.hash,
                    logged.chain, change.channel.name, change.table, change.key, StoredChange.encode(change),
                ])
            }
            for (id, logged) in ingest.aliases {
                try db.cachedStatement(
                    sql: """
                        INSERT OR REPLACE INTO aliases (origin, epoch, oseq, hash, chain, taken_through)
                        VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(max(seq), 0) FROM log))
                        """
                ).execute(arguments: [id.origin, Int64(id.epoch), Int64(id.seq), logged.hash, logged.chain])
            }
            for row in ingest.rows.values {
                try db.cachedStatement(
                    sql: """
                        INSERT OR REPLACE INTO rows (table_name, key, channel, seq, tombstone, state, ends_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    row.ref.table, row.ref.key, row.channel.name, Int64(row.seq), row.state.isTombstone,
                    StoredState.encode(row.state),
                    SQLiteReplica.endsAt(row.state, of: row.ref.table, schema: schema),
                ])
                if let (entry, made) = auditTrail.entry(for: row.ref, row.state) {
                    try Self.record(entry, made: made, db)
                }
            }
            for (key, mark) in ingest.highWaters {
                try db.cachedStatement(
                    sql: """
                        INSERT OR REPLACE INTO high_waters (origin, epoch, seq, chain, hlc_wall, hlc_counter)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    key.origin, Int64(key.epoch), Int64(mark.seq), mark.chain, Int64(mark.hlc.wallMillis),
                    Int64(mark.hlc.counter),
                ])
            }
            for claim in ingest.claims { try Self.insert(claim, db) }
            try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('clock_wall', ?), ('clock_counter', ?)"
            ).execute(arguments: [Int64(ingest.clock.wallMillis), Int64(ingest.clock.counter)])
            if let unchecked = ingest.uncheckedThrough { try Self.moveLogCheckMark(past: unchecked, db) }
        }
    }

    /// Read by column index straight from the statement, as `rows(in:after:limit:)`
    /// is: GRDB's rows copied each stored change into a `Data` before it was
    /// decoded (a fifth of a resend answer's reading).
    public func entries(channel: Channel, after: UInt64, limit: Int) throws -> [LogEntry] {
        try logged(channel: channel, after: after, limit: limit) { seq, stored in
            try StoredChange.entry(seq: seq, stored: stored)
        }
    }

    /// What `make` makes of each log entry of `channel` after `after` that
    /// still holds its change (its seq and its stored bytes), at most `limit`.
    func logged<Entry>(
        channel: Channel, after: UInt64, limit: Int, _ make: (UInt64, UnsafeRawBufferPointer) throws -> Entry
    ) throws -> [Entry] {
        try database.readKeepingStatements { db in
            var entries: [Entry] = []
            entries.reserveCapacity(min(limit, 1 << 16))
            try db.cachedStatement(
                sql: """
                    SELECT seq, change FROM log WHERE channel = ? AND seq > ? AND change IS NOT NULL
                    ORDER BY seq LIMIT ?
                    """
            ).forEachRow(arguments: [channel.name, Int64(after), limit]) { columns in
                entries.append(
                    try make(UInt64(clamping: Int64(sqliteStatement: columns, index: 0)), columnBytes(columns, 1)))
            }
            return entries
        }
    }

    /// The channel's floor (§12) as stored, read without starting the store.
    public func floor(of channel: Channel) throws -> UInt64 {
        try database.readKeepingStatements { db in
            let seq = try Int64.fetchOne(
                try db.cachedStatement(sql: "SELECT seq FROM floors WHERE channel = ?"), arguments: [channel.name])
            return UInt64(clamping: seq ?? 0)
        }
    }

    /// Read by column index straight from SQLite's statement: GRDB's rows
    /// looked each column up by its name, lowercased, and copied every value
    /// (a tenth of the hub's CPU while it served a bootstrap).
    public func rows(in channel: Channel, after: RowRef?, limit: Int) throws -> [SnapshotRow] {
        try database.readKeepingStatements { db in
            let (statement, arguments): (Statement, StatementArguments) =
                if let after {
                    (
                        try db.cachedStatement(
                            sql: """
                                SELECT table_name, key, seq, state FROM rows
                                WHERE channel = ? AND (table_name, key) > (?, ?) ORDER BY table_name, key LIMIT ?
                                """),
                        [channel.name, after.table, after.key, limit]
                    )
                } else {
                    (
                        try db.cachedStatement(
                            sql:
                                "SELECT table_name, key, seq, state FROM rows WHERE channel = ? ORDER BY table_name, key LIMIT ?"
                        ),
                        [channel.name, limit]
                    )
                }
            var rows: [SnapshotRow] = []
            rows.reserveCapacity(min(limit, 1 << 16))
            try statement.forEachRow(arguments: arguments) { columns in
                rows.append(
                    try StoredState.snapshotRow(
                        table: String(sqliteStatement: columns, index: 0),
                        key: String(sqliteStatement: columns, index: 1),
                        seq: try stored(Int64(sqliteStatement: columns, index: 2), "row seq"),
                        state: columnBytes(columns, 3)))
            }
            return rows
        }
    }

    public func rowCount(in channel: Channel) throws -> UInt64 {
        try database.readKeepingStatements { db in
            UInt64(
                try Int.fetchOne(
                    try db.cachedStatement(sql: "SELECT count(*) FROM rows WHERE channel = ?"),
                    arguments: [channel.name]) ?? 0
            )
        }
    }

    public func rows(in channel: Channel) throws -> [SnapshotRow] {
        try database.readKeepingStatements { db in
            try Row.fetchAll(
                try db.cachedStatement(
                    sql: "SELECT table_name, key, seq, state FROM rows WHERE channel = ? ORDER BY table_name, key"),
                arguments: [channel.name]
            ).map {
                SnapshotRow(
                    table: $0["table_name"], key: $0["key"], seq: try stored($0["seq"], "row seq"),
                    state: try StoredState.decode($0["state"]))
            }
        }
    }

    public func saveNodes(_ records: [NodeRecord]) throws {
        try database.write { db in
            for record in records {
                try db.cachedStatement(sql: "INSERT OR REPLACE INTO nodes (node, record) VALUES (?, ?)").execute(
                    arguments: [record.node, try StoredJSON.encode(record)])
            }
        }
    }

    public func collectTombstones(channel: Channel, through: UInt64) throws -> UInt64? {
        try database.write { db in
            let dead = try Row.fetchAll(
                try db.cachedStatement(
                    sql: "SELECT table_name, key, seq FROM rows WHERE channel = ? AND tombstone = 1 AND seq <= ?"),
                arguments: [channel.name, Int64(through)])
            guard !dead.isEmpty else { return nil }
            var floor = try stored(
                try Int64.fetchOne(
                    try db.cachedStatement(sql: "SELECT seq FROM floors WHERE channel = ?"), arguments: [channel.name])
                    ?? 0, "floor")
            for row in dead {
                let table: String = row["table_name"]
                let key: String = row["key"]
                try db.cachedStatement(sql: "DELETE FROM rows WHERE table_name = ? AND key = ?").execute(arguments: [
                    table, key,
                ])
                try db.cachedStatement(
                    sql: "UPDATE log SET change = NULL WHERE table_name = ? AND key = ? AND seq <= ?"
                ).execute(arguments: [table, key, Int64(through)])
                floor = max(floor, try stored(row["seq"], "row seq"))
            }
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO floors (channel, seq) VALUES (?, ?)").execute(
                arguments: [channel.name, Int64(floor)])
            return floor
        }
    }
}

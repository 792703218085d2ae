import Foundation
public import GRDB
public import SyncCore

/// A node's replica in a SQLite file: rows with their merge state, the
/// outbox, cursors, the epoch and the clock. Every `ReplicaStore` method is
/// one transaction committed with `synchronous=FULL`, but `commitLocal`:
/// a decision's commit is durable once `groupCommit` says so, so that
/// decisions at several lanes share one fsync.
public final class SQLiteReplica: ReplicaStore {
    public let database: DatabaseQueue
    /// Where a caller of `commitLocal` waits for its commit to be on disk.
    public let groupCommit: GroupCommit
    /// What the rows are: each row's end of life comes from its table.
    public let schema: SyncSchema
    /// The node this replica belongs to, if known: its own changes coming
    /// back in the hub's log are recognised by their origin and not merged
    /// again (`applyRemoteReturningStates`).
    public let node: NodeID?
    /// The file, or `":memory:"`.
    let path: String

    /// Opens (creating and migrating if needed) the replica at `path`;
    /// `":memory:"` gives a private in-memory database for tests.
    public init(path: String, schema: SyncSchema, node: NodeID? = nil) throws {
        self.path = path
        database = try SQLiteDatabase.open(path: path)
        groupCommit = GroupCommit(database: database, path: path)
        self.schema = schema
        self.node = node
        try Self.migrator(schema: schema).migrate(database)
    }

    /// Opens a store to read it beside the process that owns it (a digest):
    /// nothing is migrated, since a migration rewrites tables under that
    /// process, and a store this version has not upgraded yet is refused.
    public init(readingPath path: String, schema: SyncSchema) throws {
        self.path = path
        database = try SQLiteDatabase.open(path: path)
        groupCommit = GroupCommit(database: database, path: path)
        self.schema = schema
        node = nil
        try SQLiteDatabase.requireUpgraded(database, by: Self.migrator(schema: schema), path: path)
    }

    static func migrator(schema: SyncSchema) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
                    CREATE TABLE meta_text (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
                    CREATE TABLE cursors (channel TEXT PRIMARY KEY, seq INTEGER NOT NULL) STRICT;
                    CREATE TABLE rows (
                        table_name TEXT NOT NULL, key TEXT NOT NULL, channel TEXT NOT NULL,
                        seq INTEGER NOT NULL, visible INTEGER NOT NULL, tombstone INTEGER NOT NULL,
                        state TEXT NOT NULL, PRIMARY KEY (table_name, key)) STRICT;
                    CREATE INDEX rows_by_channel ON rows (channel, table_name, key);
                    CREATE TABLE outbox (
                        epoch INTEGER NOT NULL, seq INTEGER NOT NULL, chain TEXT NOT NULL,
                        hlc_wall INTEGER NOT NULL, hlc_counter INTEGER NOT NULL, channel TEXT NOT NULL,
                        change TEXT NOT NULL, PRIMARY KEY (epoch, seq)) STRICT;
                    """)
        }
        registerStaffSessions(in: &migrator)
        registerKeptAcknowledged(in: &migrator)
        registerRowAges(in: &migrator, schema: schema)
        registerFirstAckTimes(in: &migrator)
        // Every ack asks for the oldest change left in the outbox; without
        // an index that was a scan of the whole outbox per ack, which let a
        // backlog (the hub away for a while) starve the gate's decisions as
        // it drained.
        migrator.registerMigration("v7-outbox-by-age") { db in
            try db.execute(sql: "CREATE INDEX outbox_by_age ON outbox (hlc_wall, hlc_counter)")
        }
        // The content hash of the last local change merged into a row, until
        // the hub's log brings that change back (§12): such a row is not
        // forgotten as a tombstone, whatever the floor. The upgrade is a
        // restart, and the first status after it collects tombstones: the
        // rows of changes still waiting for the hub are marked at once.
        migrator.registerMigration("v8-pending-rows") { db in
            try db.execute(sql: "ALTER TABLE rows ADD COLUMN pending TEXT")
            let waiting = try String.fetchCursor(
                db, sql: "SELECT change FROM outbox WHERE first_acked_at IS NULL ORDER BY epoch, seq")
            while let text = try waiting.next() {
                let change = try StoredJSON.decode(Change.self, text)
                try db.execute(
                    sql: "UPDATE rows SET pending = ? WHERE table_name = ? AND key = ?",
                    arguments: [change.contentHash, change.table, change.key])
            }
        }
        registerCollectedFloors(in: &migrator)
        registerHeldSchemas(in: &migrator)
        registerSnapshotStaging(in: &migrator)
        registerStateBytes(in: &migrator)
        registerTombstoneIndex(in: &migrator)
        registerKeyedTables(in: &migrator)
        registerOutboxOrder(in: &migrator)
        registerLocalTip(in: &migrator)
        return migrator
    }

    /// `PRAGMA synchronous` as it stands (2 is FULL).
    public func synchronousLevel() throws -> Int { try SQLiteDatabase.synchronousLevel(database) }

    // MARK: ReplicaStore

    public func start(minimumEpoch: UInt64) throws -> ReplicaStartState {
        try database.write { db in
            let epoch = max(try nextEpoch(after: try Self.meta(db, "epoch"), "meta epoch"), minimumEpoch)
            try Self.setMeta(db, "epoch", epoch)
            let cursors = try Row.fetchAll(try db.cachedStatement(sql: "SELECT channel, seq FROM cursors")).reduce(
                into: [Channel: UInt64]()
            ) {
                if let channel = Channel($1["channel"] as String) {
                    $0[channel] = try stored($1["seq"], "cursor of \(channel)")
                }
            }
            let tip = try LocalTip.read(db)
            let hubHistory = try Self.metaText(db, "hub_history")
            return ReplicaStartState(
                epoch: epoch, clock: tip.clock, cursors: cursors, outbox: try Self.outboxStatus(db),
                lastCreated: tip.lastCreated.epoch == 0 ? nil : tip.lastCreated,
                hubHistory: hubHistory.isEmpty ? nil : hubHistory, heldSchemas: try Self.heldSchemas(db),
                snapshots: try Self.snapshotProgress(db))
        }
    }

    /// Commits without waiting for the disk: wait for `groupCommit` before
    /// telling anyone of `changes` (the publisher and the decisions do).
    public func commitLocal(reading refs: Set<RowRef>, _ make: ([RowRef: RowState]) throws -> LocalCommit) throws {
        _ = try commitLocalReturningStates(reading: refs, make)
    }

    /// `commitLocal`, returning the state each changed row was left in (nil
    /// for none), so that the decision views are fed it instead of reading
    /// the rows again.
    public func commitLocalReturningStates(
        reading refs: Set<RowRef>, _ make: ([RowRef: RowState]) throws -> LocalCommit
    ) throws -> [RowRef: RowState?] {
        try SQLiteDatabase.writeDeferringSync(database, group: groupCommit) { db in
            var found: [RowRef: RowState] = [:]
            for ref in refs { found[ref] = try Self.row(ref, db) }
            let made = try make(found)
            let (changes, clock) = (made.changes, made.clock)
            var states: [RowRef: RowState?] = [:]
            // The chain's tip and the clock, read once (each change extends
            // the one before), and written once after them.
            var tip = try LocalTip.read(db)
            for change in changes {
                let contentHash = change.contentHash
                states.updateValue(try self.apply(change, .local(contentHash: contentHash), db), forKey: change.row)
                var previous = ""
                if change.id.seq > 1 {
                    guard tip.chain.epoch == change.id.epoch, tip.chain.seq + 1 == change.id.seq else {
                        throw StorageError(.corrupt, "outbox sequence broken at \(change.id)")
                    }
                    previous = tip.chain.text
                }
                tip.chain = (
                    change.id.epoch, change.id.seq, SequenceChain.next(after: previous, contentHash: contentHash)
                )
                try db.cachedStatement(
                    sql: """
                        INSERT INTO outbox (epoch, seq, chain, hlc_wall, hlc_counter, channel, change)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    Int64(change.id.epoch), Int64(change.id.seq), tip.chain.text, Int64(change.hlc.wallMillis),
                    Int64(change.hlc.counter), change.channel.name, StoredChange.encode(change),
                ])
            }
            // Nothing made and the clock not ahead: the row stays as it is.
            guard !changes.isEmpty || clock > tip.clock else { return states }
            if let last = changes.last { tip.lastCreated = last.id }
            tip.clock = max(tip.clock, clock)
            try tip.write(db)
            return states
        }
    }

    public func applyRemote(channel: Channel, entries: [LogEntry], upTo: UInt64, clock: HybridTimestamp) throws {
        _ = try applyRemoteReturningStates(channel: channel, entries: entries, upTo: upTo, clock: clock)
    }

    /// `applyRemote`, returning the state each changed row was left in (nil for none).
    public func applyRemoteReturningStates(
        channel: Channel, entries: [LogEntry], upTo: UInt64, clock: HybridTimestamp
    ) throws -> [RowRef: RowState?] {
        try database.write { db in
            var states: [RowRef: RowState?] = [:]
            // A catch-up's batch holds hundreds of rows: grown one by one,
            // the dictionary was rehashed several times per batch.
            states.reserveCapacity(entries.count)
            for entry in entries {
                if entry.change.id.origin == node, try Self.settleEcho(of: entry.change, at: entry.seq, db) { continue }
                states.updateValue(
                    try self.apply(entry.change, .logged(seq: entry.seq), inserted: entry.insertedRow, db),
                    forKey: entry.change.row)
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO cursors (channel, seq) VALUES (?, ?)
                    ON CONFLICT (channel) DO UPDATE SET seq = max(seq, excluded.seq)
                    """
            ).execute(arguments: [channel.name, Int64(upTo)])
            try Self.saveClock(db, clock)
            return states
        }
    }

    /// One of the node's own changes coming back in the hub's log (every
    /// change a node makes does), while its row still carries the change's
    /// pending mark: the row holds the change already (the mark is set in
    /// the commit that merged it, and merges only add to a row), so merging
    /// it again would change nothing. Only the row's log position moves and
    /// the mark goes, in one statement, without reading or decoding the
    /// row; the views are not told of a row that did not change.
    /// - Returns: false if the row carries no such mark (a later change of
    ///   the node's own to the row, or none): the caller merges as usual.
    private static func settleEcho(of change: Change, at seq: UInt64, _ db: Database) throws -> Bool {
        try db.cachedStatement(
            sql: "UPDATE rows SET seq = max(seq, ?), pending = NULL WHERE table_name = ? AND key = ? AND pending = ?"
        ).execute(arguments: [Int64(clamping: seq), change.table, change.key, change.contentHash])
        return db.changesCount == 1
    }

    /// Merges one of the node's own changes again, as made here (an
    /// install puts them back on top of the snapshot's rows).
    func reapply(_ change: Change, _ db: Database) throws {
        _ = try apply(change, .local(contentHash: change.contentHash), db)
    }

    public func outbox(after: ChangeID?, limit: Int) throws -> [Change] {
        try database.readKeepingStatements { db in
            let stored = try Data.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT change FROM outbox WHERE (epoch, seq) > (?, ?) ORDER BY epoch, seq LIMIT ?
                        """),
                arguments: [Int64(after?.epoch ?? 0), Int64(after?.seq ?? 0), limit])
            return try stored.map(StoredChange.decode)
        }
    }

    public func outboxStatus() throws -> OutboxStatus {
        try database.readKeepingStatements { db in try Self.outboxStatus(db) }
    }

    public func outboxTails() throws -> [EpochPosition] {
        try database.readKeepingStatements { db in
            try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT epoch, max(seq) AS seq FROM outbox GROUP BY epoch ORDER BY epoch")
            ).map {
                EpochPosition(epoch: try stored($0["epoch"], "outbox epoch"), seq: try stored($0["seq"], "outbox seq"))
            }
        }
    }

    public func moveOutbox(fromEpoch: UInt64, toEpoch: UInt64) throws -> UInt64? {
        try database.write { db in
            let current = try Self.meta(db, "epoch")
            let present =
                try Bool.fetchOne(
                    try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM outbox WHERE epoch = ?)"),
                    arguments: [Int64(fromEpoch)])
                ?? false
            guard fromEpoch == current || present else { return nil }
            let moved = try Row.fetchAll(
                try db.cachedStatement(
                    sql: "SELECT change, first_acked_at FROM outbox WHERE epoch >= ? ORDER BY epoch, seq"),
                arguments: [Int64(fromEpoch)]
            ).map { (stored: $0["change"] as Data, firstAckedAt: $0["first_acked_at"] as Int64?) }
            try db.cachedStatement(sql: "DELETE FROM outbox WHERE epoch >= ?").execute(arguments: [Int64(fromEpoch)])
            return try Self.renumber(moved, into: toEpoch, db)
        }
    }

    /// Writes stored changes back into the outbox as epoch `epoch`, seq 1, 2,
    /// … in the given order, with their chains recomputed, and makes `epoch`
    /// durable (when above the stored one) and the chain's tip.
    /// `firstAckedAt` marks a change a hub acknowledged in an earlier
    /// history (§9.6, replayed), and when: it is kept a week from then.
    /// - Returns: the last seq used (0 for no changes).
    static func renumber(_ changes: [(stored: Data, firstAckedAt: Int64?)], into epoch: UInt64, _ db: Database)
        throws -> UInt64
    {
        var seq: UInt64 = 0
        var chain = ""
        var origin: String?
        for (stored, firstAckedAt) in changes {
            seq += 1
            var change = try StoredChange.decode(stored)
            change.id = ChangeID(origin: change.id.origin, epoch: epoch, seq: seq)
            origin = change.id.origin
            chain = SequenceChain.next(after: chain, contentHash: change.contentHash)
            try db.cachedStatement(
                sql: """
                    INSERT INTO outbox (epoch, seq, chain, hlc_wall, hlc_counter, channel, change, first_acked_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                Int64(epoch), Int64(seq), chain, Int64(change.hlc.wallMillis),
                Int64(change.hlc.counter), change.channel.name, StoredChange.encode(change), firstAckedAt,
            ])
        }
        try setMeta(db, "epoch", max(try meta(db, "epoch"), epoch))
        var tip = try LocalTip.read(db)
        tip.chain = (epoch, seq, chain)
        if let origin { tip.lastCreated = ChangeID(origin: origin, epoch: epoch, seq: seq) }
        try tip.write(db)
        return seq
    }

    public func collectTombstones(channel: Channel, floor: UInt64) throws {
        try database.write { db in
            try db.cachedStatement(
                sql: "DELETE FROM rows WHERE channel = ? AND tombstone = 1 AND seq <= ? AND pending IS NULL"
            ).execute(arguments: [channel.name, Int64(floor)])
            try Self.raiseCollectedFloor(db, channel: channel, to: floor)
        }
    }

    public func row(_ ref: RowRef) throws -> RowState? {
        try database.readWithOneStatement { db in try Self.row(ref, db) }
    }

    /// The stored state of one row, inside the caller's transaction.
    private static func row(_ ref: RowRef, _ db: Database) throws -> RowState? {
        try db.cachedStatement(sql: "SELECT state FROM rows WHERE table_name = ? AND key = ?").firstRow(
            arguments: [ref.table, ref.key]
        ) { columns in try StoredState.decode(columnBytes(columns, 0)) }
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

    // MARK: Views

    /// How many rows `table` holds, visible or not (counted from an index
    /// alone): the views make room for them before loading.
    public func rowCount(of table: String) throws -> Int {
        try database.readKeepingStatements { db in
            try Int.fetchOne(
                try db.cachedStatement(sql: "SELECT count(*) FROM rows WHERE table_name = ?"),
                arguments: [table]) ?? 0
        }
    }

    /// Visits the visible rows of one table with the values of `columns`
    /// (a null or missing cell left out), streamed through a cursor: what
    /// the node's in-memory decision views load at start and after a
    /// snapshot, never holding the table in memory.
    public func forEachVisibleRow(
        of table: String, columns: [String], _ body: (_ key: String, _ values: [String: Value]) throws -> Void
    ) throws {
        try database.readKeepingStatements { db in
            try Self.forEachVisibleRow(
                of: try db.cachedStatement(sql: "SELECT key, state FROM rows WHERE table_name = ? AND visible = 1"),
                arguments: [table], columns: columns, body)
        }
    }

    /// The rows of `statement` (their key, then their state), read by
    /// column index, each state's `columns` read from its bytes without
    /// decoding the rest.
    static func forEachVisibleRow(
        of statement: Statement, arguments: StatementArguments, columns: [String],
        _ body: (_ key: String, _ values: [String: Value]) throws -> Void
    ) throws {
        let projection = RowState.Projection(columns)
        try statement.forEachRow(arguments: arguments) { row in
            let values: [String: Value]
            do {
                values = try RowState.values(of: projection, inBytes: columnBytes(row, 1))
            } catch {
                throw StorageError(.corrupt, "stored merge state does not decode: \(error)")
            }
            try body(String(sqliteStatement: row, index: 0), values)
        }
    }

    // MARK: Helpers

    /// Where a change merged into a row comes from.
    private enum Merge {
        /// This node's own write, with its content hash (computed once by the caller).
        case local(contentHash: String)
        /// An entry of the hub's log.
        case logged(seq: UInt64)
    }

    /// Merges `change` into its row: a local write leaves the row's seq
    /// alone and marks it pending until the hub's log brings the change
    /// back; a log entry raises the seq and clears the mark it answers (the
    /// entry's hash is computed only for a row that holds a mark).
    /// `inserted`, if given, is the row `change` (an insert) makes of a new key.
    /// - Returns: the row's state after the change (merged or not; nil: no row).
    private func apply(_ change: Change, _ merge: Merge, inserted: InsertedRow? = nil, _ db: Database) throws
        -> RowState?
    {
        // An insert is written without looking for its row first: its key is
        // almost always new (every change of a catch-up of new bookings, two
        // of a gate decision's three), and the lookup cost as much as the
        // insert. A key already taken falls through to the merge below.
        if change.op == .insert, let state = try insertIfNew(change, merge, inserted: inserted, db) { return state }
        let lookup = try db.cachedStatement(
            sql: "SELECT seq, state, pending, tombstone, ends_at FROM rows WHERE table_name = ? AND key = ?")
        let existing = try lookup.firstRow(arguments: [change.table, change.key]) { columns in
            (
                seq: UInt64(clamping: Int64(sqliteStatement: columns, index: 0)),
                state: try StoredState.decode(columnBytes(columns, 1)),
                pending: columnText(columns, 2),
                indexed: IndexedColumns(
                    tombstone: Int64(sqliteStatement: columns, index: 3) != 0, endsAt: columnInteger(columns, 4))
            )
        }
        // No row: only an insert makes one, and an insert of a new key was written above.
        guard let existing else { return nil }
        var row = SnapshotRow(table: change.table, key: change.key, seq: existing.seq, state: existing.state)
        var pending = existing.pending
        let held = existing.state
        if case .local = merge, !change.merges(into: held, local: true) { return held }
        if case .logged = merge, !change.merges(into: held, local: false) { return held }
        row.state.apply(change)
        let heldSeq = row.seq
        let heldPending = pending
        switch merge {
        case .local(let contentHash): pending = contentHash
        case .logged(let seq):
            row.seq = max(row.seq, seq)
            if let mark = pending, mark == change.contentHash { pending = nil }
        }
        guard held == row.state else {
            try save(row, channel: change.channel, pending: pending, replacing: existing.indexed, db)
            return row.state
        }
        // The merge changed nothing: a node's own change coming back in the
        // hub's log (every change a node makes does), or one it already had.
        // Only the row's log position and pending mark can move, and neither
        // is in an index: updated in place, without encoding the state again
        // or rewriting the row's index entries as a replace would.
        if row.seq != heldSeq || pending != heldPending {
            try db.cachedStatement(sql: "UPDATE rows SET seq = ?, pending = ? WHERE table_name = ? AND key = ?")
                .execute(arguments: [Int64(row.seq), pending, change.table, change.key])
        }
        return held
    }

    /// The columns of a stored row that an index holds besides its key.
    private struct IndexedColumns: Equatable {
        var tombstone: Bool
        var endsAt: Int64?
    }

    /// Writes the row an insert makes of a key not in the replica (`inserted`
    /// if the caller made it already), unless the key is taken.
    /// - Returns: the row's state, or nil if the key is taken (nothing written).
    private func insertIfNew(_ change: Change, _ merge: Merge, inserted: InsertedRow?, _ db: Database) throws
        -> RowState?
    {
        let seq: UInt64
        let pending: String?
        switch merge {
        case .local(let contentHash): (seq, pending) = (0, contentHash)
        case .logged(let logged): (seq, pending) = (logged, nil)
        }
        let row = SnapshotRow(
            table: change.table, key: change.key, seq: seq, inserted: inserted ?? InsertedRow(change))
        try write(
            row, channel: change.channel, pending: pending, indexed: indexedColumns(of: row), Self.insertRowIfNew, db)
        return db.changesCount == 1 ? row.state : nil
    }

    /// Writes `row` over the row stored with `stored` in its indexed columns.
    ///
    /// A row that exists is updated, not replaced: a replace deletes the row
    /// and inserts it again under a new rowid, which rewrites its key's entry
    /// and every index entry too (four pages of the WAL for a reservation
    /// whose status changes, against one). Where the indexed columns keep
    /// the values stored (compared with the stored ones, not recomputed from
    /// the state they replace: a stored end of life from an older rule is
    /// corrected by the next write), they are left out of the update, and
    /// SQLite leaves their indexes alone.
    private func save(
        _ row: SnapshotRow, channel: Channel, pending: String?, replacing stored: IndexedColumns, _ db: Database
    ) throws {
        let indexed = indexedColumns(of: row)
        if stored != indexed {
            try write(row, channel: channel, pending: pending, indexed: indexed, Self.updateRow, db)
        } else {
            try write(row, channel: channel, pending: pending, indexed: nil, Self.updateRowInPlace, db)
        }
        // The row was read in this transaction: an update that finds none
        // would lose the write without a word.
        guard db.changesCount == 1 else {
            throw StorageError(
                .corrupt, "row \(row.table)/\(row.key) was not written (\(db.changesCount) rows changed)")
        }
    }

    private func indexedColumns(of row: SnapshotRow) -> IndexedColumns {
        IndexedColumns(tombstone: row.state.isTombstone, endsAt: Self.endsAt(row.state, of: row.table, schema: schema))
    }

    /// Runs `sql`, one of the three below, whose parameters are a row's
    /// columns in one order: its indexed columns only where given.
    private func write(
        _ row: SnapshotRow, channel: Channel, pending: String?, indexed: IndexedColumns?, _ sql: String,
        _ db: Database
    ) throws {
        try db.cachedStatement(sql: sql).execute { bind in
            bind.text(channel.name)
            bind.int(Int64(row.seq))
            bind.bool(row.state.isVisible)
            bind.blob(row.stateBytes)
            bind.text(pending)
            if let indexed {
                bind.bool(indexed.tombstone)
                bind.int(indexed.endsAt)
            }
            bind.text(row.table)
            bind.text(row.key)
        }
    }

    private static let insertRowIfNew = """
        INSERT INTO rows (channel, seq, visible, state, pending, tombstone, ends_at, table_name, key)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (table_name, key) DO NOTHING
        """
    private static let updateRow = """
        UPDATE rows SET channel = ?, seq = ?, visible = ?, state = ?, pending = ?, tombstone = ?, ends_at = ?
        WHERE table_name = ? AND key = ?
        """
    private static let updateRowInPlace = """
        UPDATE rows SET channel = ?, seq = ?, visible = ?, state = ?, pending = ? WHERE table_name = ? AND key = ?
        """

    private static func outboxStatus(_ db: Database) throws -> OutboxStatus {
        let depth = try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM outbox")) ?? 0
        return OutboxStatus(depth: depth, oldest: depth > 0 ? try oldestUnsynced(db) : nil)
    }

    public func oldestUnsynced() throws -> HybridTimestamp? {
        try database.readKeepingStatements { db in try Self.oldestUnsynced(db) }
    }

    /// The outbox's first change by its key (`registerOutboxOrder`): a few
    /// page reads however deep the outbox.
    private static func oldestUnsynced(_ db: Database) throws -> HybridTimestamp? {
        guard
            let row = try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT hlc_wall, hlc_counter FROM outbox ORDER BY epoch, seq LIMIT 1"))
        else { return nil }
        return HybridTimestamp(
            wallMillis: UInt64(clamping: row["hlc_wall"] as Int64),
            counter: UInt32(clamping: row["hlc_counter"] as Int64))
    }

    static func meta(_ db: Database, _ key: String) throws -> UInt64 {
        try stored(
            try Int64.fetchOne(try db.cachedStatement(sql: "SELECT value FROM meta WHERE key = ?"), arguments: [key])
                ?? 0, "meta \(key)")
    }

    private static func metaText(_ db: Database, _ key: String) throws -> String {
        try String.fetchOne(try db.cachedStatement(sql: "SELECT value FROM meta_text WHERE key = ?"), arguments: [key])
            ?? ""
    }

    /// - Throws: `corrupt` for a value the next read would refuse (beyond
    ///   2^53 - 1, `storable`), which this store never writes.
    static func setMeta(_ db: Database, _ key: String, _ value: UInt64) throws {
        let stored = try storable(value, "meta \(key)")
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").execute(arguments: [
            key, stored,
        ])
    }

    private static func saveClock(_ db: Database, _ clock: HybridTimestamp) throws {
        var tip = try LocalTip.read(db)
        guard clock > tip.clock else { return }
        tip.clock = clock
        try tip.write(db)
    }
}

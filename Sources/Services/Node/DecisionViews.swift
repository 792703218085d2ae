import Foundation
import Logging
import MallDomain
import Storage
import SyncCore
import Synchronization

/// The in-memory views a node's decisions read, kept in step with its
/// replica: loaded at start, refreshed row by row after every committed
/// change and reloaded after a snapshot. The replica stays the truth; the
/// views exist because a decision must find rows by something other than
/// their key (a plate one edit away, a code's redemptions, a card number, a
/// member's open visit) in microseconds, which the replica's generic row
/// table cannot answer.
///
/// The rows of the hub's batches are taken in on a queue of their own
/// (`feeding`), while the node's actor goes on with the next batch: a
/// catch-up kept one core busy and the other nearly idle, and filing each
/// new reservation (its plate index, its parse) was a quarter of that core.
/// Every read waits until what was handed over is taken in, so a decision
/// sees every batch committed before it, as when the views were fed in
/// line; the node's own writes are taken in at once, in line. A load (at
/// start, after a snapshot) files the rows it reads on that queue too.
/// Everything here is called from one serial context, the node's actor,
/// which is what keeps the batches in commit order.
final class DecisionViews: ReplicaObserver, Sendable {
    private struct Books {
        var books = DecisionBooks()
        /// Rows left out of a view because they do not make sense (a garbled
        /// plate, an unknown status), by table and key. Logged once each.
        var unusable: Set<RowRef> = []
        /// Moves on whenever a `staff_lockouts` row changes, so the node reads
        /// the replicated login locks again only then.
        var lockoutsVersion = 0
        /// Snapshots whose books were filed beside their install (not
        /// loaded after it): what tests look at to know which way ran.
        var installsFiledBeside = 0
    }

    private let held = Mutex(Books())
    private let feeding = DispatchQueue(label: "mall.node.decision-views")
    /// Batches (or a load's chunks) handed to `feeding` and not yet taken
    /// in, at most two: the actor waits for room rather than queue a
    /// catch-up's states in memory.
    private let room = DispatchSemaphore(value: 2)
    private let logger: Logger

    var reservations: ReservationBook { settled { $0.books.reservations } }
    var gifts: GiftBook { settled { $0.books.gifts } }
    var lounge: LoungeBook { settled { $0.books.lounge } }
    var lockoutsVersion: Int { settled { $0.lockoutsVersion } }
    var installsFiledBeside: Int { settled { $0.installsFiledBeside } }

    /// Loads the books fed by the channels of `channels`' kinds.
    init(store: SQLiteReplica, channels: [Channel.Kind], logger: Logger) throws {
        self.logger = logger
        for kind in channels { try load(kind, from: store) }
    }

    /// The node's own writes, fed the states the commit produced (reading
    /// them again cost a read transaction per row, three per gate decision).
    func rowsMerged(_ states: [RowRef: RowState?]) {
        settle()
        held.withLock { take(states, into: &$0) }
    }

    /// A batch of the hub's, taken in on `feeding`.
    func rowsMergedFromHub(_ states: [RowRef: RowState?]) {
        // A batch of rows no book follows (passages, audit entries) is not handed over.
        guard states.keys.contains(where: { Self.follows($0.table) }) else { return }
        room.wait()
        feeding.async {
            self.held.withLock { self.take(states, into: &$0) }
            self.room.signal()
        }
    }

    func rowsChanged(_ refs: [RowRef], in store: SQLiteReplica) {
        settle()
        held.withLock { held in
            if refs.contains(where: { $0.table == "staff_lockouts" }) { held.lockoutsVersion += 1 }
            for ref in refs where DecisionBooks.columns[ref.table] != nil {
                do {
                    apply(ref, values: try store.row(ref)?.values ?? [:], to: &held)
                } catch {
                    logger.error(
                        "decision view not refreshed",
                        metadata: ["row.table": "\(ref.table)", "sync.error": "\(error)"])
                }
            }
        }
    }

    /// Installs `channel`'s snapshot with `install` (which returns the rows
    /// it merged the node's own changes into again) and loads the books of
    /// the channel's kind from the rows it installed: the rows staged
    /// before `lastWindow` are filed while `install` runs (read beside it,
    /// on a connection of their own), then `lastWindow`, staged with the
    /// install, then the rows merged again. Where the staged rows cannot be
    /// read beside (an in-memory replica, a read that failed) the books are
    /// loaded from the replica after the install, as at start.
    func installingSnapshot(
        of channel: Channel, lastWindow: [SnapshotRow], stagedBefore: Bool, in store: SQLiteReplica,
        install: () throws -> [RowRef]
    ) throws {
        let tables = followedTables(of: channel.kind, in: store)
        guard !tables.isEmpty, stagedBefore, let staged = store.stagedRows(of: channel) else {
            _ = try install()
            return channelReplaced(channel, in: store)
        }
        settle()
        // Each row is filed once, in its last version: a row the last window
        // holds too (a row of another channel under the same key, which the
        // install replaces, or a staged row should a window ever overlap the
        // one before) is left to it, since not every book's `apply` replaces
        // what it filed before (a revocation stays).
        let lastWindowRows = Set(lastWindow.lazy.map { RowRef(table: $0.table, key: $0.key) })
        // The install starts once the read beside it sees the staged rows
        // (the install drops them as it copies them).
        let readBegun = DispatchSemaphore(value: 0)
        let filing = DispatchGroup()
        let filingFailure = Mutex<(any Error)?>(nil)
        DispatchQueue.global(qos: .userInitiated).async(group: filing) {
            var begun = false
            defer { if !begun { readBegun.signal() } }
            do {
                var chunks = Chunks(views: self)
                try staged.forEachVisibleRow(
                    of: tables, columns: DecisionBooks.columns,
                    begun: { counts in
                        self.startLoading(tables, counts: counts)
                        begun = true
                        readBegun.signal()
                    }
                ) { table, key, values in
                    if !lastWindowRows.contains(RowRef(table: table, key: key)) { chunks.add(table, key, values) }
                }
                chunks.handOver()
            } catch {
                filingFailure.withLock { $0 = error }
            }
        }
        readBegun.wait()
        let reapplied: [RowRef]
        do {
            reapplied = try install()
        } catch {
            filing.wait()
            channelReplaced(channel, in: store)
            throw error
        }
        filing.wait()
        if let failure = filingFailure.withLock({ $0 }) {
            logger.warning(
                "staged rows not read beside the install; the decision views load from the replica",
                metadata: ["sync.channel": "\(channel)", "sync.error": "\(failure)"])
            return channelReplaced(channel, in: store)
        }
        settle()
        held.withLock { held in
            if channel.kind == .staff { held.lockoutsVersion += 1 }
            for row in lastWindow {
                guard let columns = DecisionBooks.columns[row.table], tables.contains(row.table) else { continue }
                let values = row.state.isVisible ? row.state.values(of: columns) : [:]
                apply(RowRef(table: row.table, key: row.key), values: values, to: &held)
            }
        }
        rowsChanged(reapplied, in: store)
        held.withLock { $0.installsFiledBeside += 1 }
        logLoaded(channel.kind)
    }

    /// Loads the books of `channel`'s kind again from the replica.
    func channelReplaced(_ channel: Channel, in store: SQLiteReplica) {
        settle()
        if channel.kind == .staff { held.withLock { $0.lockoutsVersion += 1 } }
        do {
            try load(channel.kind, from: store)
        } catch {
            logger.error(
                "decision view not reloaded", metadata: ["sync.channel": "\(channel)", "sync.error": "\(error)"])
        }
    }

    /// Waits until every batch handed to `feeding` is taken in.
    private func settle() {
        dispatchPrecondition(condition: .notOnQueue(feeding))
        feeding.sync {}
    }

    /// Whether a row of `table` changes a view: a book follows it, or it is a login lock.
    private static func follows(_ table: String) -> Bool {
        DecisionBooks.columns[table] != nil || table == "staff_lockouts"
    }

    private func settled<Value>(_ read: (Books) -> Value) -> Value {
        settle()
        return held.withLock { read($0) }
    }

    private func take(_ states: [RowRef: RowState?], into held: inout Books) {
        if states.keys.contains(where: { $0.table == "staff_lockouts" }) { held.lockoutsVersion += 1 }
        for (ref, state) in states where DecisionBooks.columns[ref.table] != nil {
            apply(ref, values: state?.values ?? [:], to: &held)
        }
    }

    /// Rows read from the replica and handed to `feeding` at a time while
    /// the views load.
    static let loadChunk = 4096

    /// Loads the books of `kind`'s tables in two stages: this thread reads
    /// the rows and decodes their states, `feeding` files them (parses each
    /// reservation, indexes its plate). The two halves cost about the same,
    /// and a restart or a snapshot of 1,000,000 reservations spent 6.5 s
    /// doing both on one core while the other idled.
    private func load(_ kind: Channel.Kind, from store: SQLiteReplica) throws {
        let tables = followedTables(of: kind, in: store)
        guard !tables.isEmpty else { return }
        try startLoading(tables, counts: tables.map { try store.rowCount(of: $0) })
        // Whatever was handed over is filed before this returns or throws.
        defer { settle() }
        var chunks = Chunks(views: self)
        for table in tables {
            try store.forEachVisibleRow(of: table, columns: DecisionBooks.columns[table]!) { key, values in
                chunks.add(table, key, values)
            }
        }
        chunks.handOver()
        logLoaded(kind)
    }

    /// The tables of `kind`'s channels a book follows.
    private func followedTables(of kind: Channel.Kind, in store: SQLiteReplica) -> [String] {
        DecisionBooks.columns.keys.filter { store.schema.tables[$0]?.channelKinds.contains(kind) == true }.sorted()
    }

    /// Empties the books of `tables`, with room for `counts` rows of each.
    private func startLoading(_ tables: [String], counts: [Int]) {
        held.withLock { held in
            held.books.reset(tables: Set(tables))
            held.unusable = held.unusable.filter { !tables.contains($0.table) }
            for (table, count) in zip(tables, counts) { held.books.reserveCapacity(count, of: table) }
        }
    }

    /// Rows read while loading, prepared on the reading thread (checked,
    /// a reservation parsed) and handed to `feeding` a chunk at a time.
    private struct Chunks {
        let views: DecisionViews
        private var rows: [DecisionBooks.PreparedRow] = []

        init(views: DecisionViews) {
            self.views = views
            rows.reserveCapacity(DecisionViews.loadChunk)
        }

        mutating func add(_ table: String, _ key: String, _ values: [String: Value]) {
            rows.append(DecisionBooks.prepare(RowRef(table: table, key: key), values: values))
            if rows.count == DecisionViews.loadChunk { handOver() }
        }

        mutating func handOver() {
            views.file(rows)
            rows.removeAll(keepingCapacity: true)
        }
    }

    private func logLoaded(_ kind: Channel.Kind) {
        let loaded = settled { (reservations: $0.books.reservations.count, unusable: $0.unusable.count) }
        logger.info(
            "decision views loaded",
            metadata: [
                "sync.channel.kind": "\(kind.rawValue)", "view.reservations": "\(loaded.reservations)",
                "view.unusable": "\(loaded.unusable)",
            ])
    }

    /// Files rows read while loading, on `feeding`.
    private func file(_ rows: [DecisionBooks.PreparedRow]) {
        guard !rows.isEmpty else { return }
        room.wait()
        feeding.async {
            self.held.withLock { held in
                for row in rows { self.apply(row, to: &held) }
            }
            self.room.signal()
        }
    }

    /// `values` empty: the row is gone (deleted, or never visible).
    private func apply(_ ref: RowRef, values: [String: Value], to held: inout Books) {
        apply(DecisionBooks.prepare(ref, values: values), to: &held)
    }

    private func apply(_ row: DecisionBooks.PreparedRow, to held: inout Books) {
        let ref = row.ref
        do {
            try held.books.apply(row)
            // Hashing the ref for a set that is nearly always empty was a
            // twentieth of a catch-up's view upkeep.
            if !held.unusable.isEmpty { held.unusable.remove(ref) }
        } catch {
            if held.unusable.insert(ref).inserted {
                logger.warning(
                    "row unusable for decisions",
                    metadata: ["row.table": "\(ref.table)", "row.key": "\(ref.key)", "view.problem": "\(error)"])
            }
        }
    }
}

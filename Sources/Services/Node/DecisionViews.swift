import Foundation
import Logging
import MallDomain
import Storage
import SyncCore

/// The in-memory views a node's decisions read, kept in step with its
/// replica: loaded at start, refreshed row by row after every committed
/// change and reloaded after a snapshot. The replica stays the truth; the
/// views exist because a decision must find rows by something other than
/// their key (a plate one edit away, a code's redemptions, a card number, a
/// member's open visit) in microseconds, which the replica's generic row
/// table cannot answer.
final class DecisionViews: ReplicaObserver {
    private var books = DecisionBooks()
    var reservations: ReservationBook { books.reservations }
    var gifts: GiftBook { books.gifts }
    var lounge: LoungeBook { books.lounge }
    /// Rows left out of a view because they do not make sense (a garbled
    /// plate, an unknown status), by table and key. Logged once each.
    private(set) var unusable: Set<RowRef> = []
    /// Moves on whenever a `staff_lockouts` row changes, so the node reads
    /// the replicated login locks again only then.
    private(set) var lockoutsVersion = 0
    private let logger: Logger

    /// Loads the books fed by the channels of `channels`' kinds.
    init(store: SQLiteReplica, channels: [Channel.Kind], logger: Logger) throws {
        self.logger = logger
        for kind in channels { try load(kind, from: store) }
    }

    /// Fed the states the commit produced: reading them again cost a
    /// read transaction per row, three per gate decision.
    func rowsMerged(_ states: [RowRef: RowState?]) {
        if states.keys.contains(where: { $0.table == "staff_lockouts" }) { lockoutsVersion += 1 }
        for (ref, state) in states where DecisionBooks.columns[ref.table] != nil {
            apply(ref, values: state?.values ?? [:])
        }
    }

    func rowsChanged(_ refs: [RowRef], in store: SQLiteReplica) {
        if refs.contains(where: { $0.table == "staff_lockouts" }) { lockoutsVersion += 1 }
        for ref in refs where DecisionBooks.columns[ref.table] != nil {
            do {
                apply(ref, values: try store.row(ref)?.values ?? [:])
            } catch {
                logger.error(
                    "decision view not refreshed", metadata: ["row.table": "\(ref.table)", "sync.error": "\(error)"])
            }
        }
    }

    func channelReplaced(_ channel: Channel, in store: SQLiteReplica) {
        if channel.kind == .staff { lockoutsVersion += 1 }
        do {
            try load(channel.kind, from: store)
        } catch {
            logger.error(
                "decision view not reloaded", metadata: ["sync.channel": "\(channel)", "sync.error": "\(error)"])
        }
    }

    private func load(_ kind: Channel.Kind, from store: SQLiteReplica) throws {
        let tables = DecisionBooks.columns.keys.filter {
            store.schema.tables[$0]?.channelKinds.contains(kind) == true
        }.sorted()
        guard !tables.isEmpty else { return }
        books.reset(tables: Set(tables))
        unusable = unusable.filter { !tables.contains($0.table) }
        for table in tables {
            books.reserveCapacity(try store.rowCount(of: table), of: table)
            try store.forEachVisibleRow(of: table, columns: DecisionBooks.columns[table]!) { key, values in
                apply(RowRef(table: table, key: key), values: values)
            }
        }
        logger.info(
            "decision views loaded",
            metadata: [
                "sync.channel.kind": "\(kind.rawValue)", "view.reservations": "\(reservations.count)",
                "view.unusable": "\(unusable.count)",
            ])
    }

    /// `values` empty: the row is gone (deleted, or never visible).
    private func apply(_ ref: RowRef, values: [String: Value]) {
        do {
            try books.apply(ref, values: values)
            // Hashing the ref for a set that is nearly always empty was a
            // twentieth of a catch-up's view upkeep.
            if !unusable.isEmpty { unusable.remove(ref) }
        } catch {
            if unusable.insert(ref).inserted {
                logger.warning(
                    "row unusable for decisions",
                    metadata: ["row.table": "\(ref.table)", "row.key": "\(ref.key)", "view.problem": "\(error)"])
            }
        }
    }
}

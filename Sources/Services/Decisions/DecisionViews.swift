import EdgeRules
import Foundation
import Logging
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
    private(set) var reservations = ReservationBook()
    private(set) var gifts = GiftBook()
    private(set) var lounge = LoungeBook()
    /// Rows left out of a view because they do not make sense (a garbled
    /// plate, an unknown status), by table and key. Logged once each.
    private(set) var unusable: Set<RowRef> = []
    private let logger: Logger

    /// The tables each view follows, and the columns it reads.
    private static let columns: [String: [String]] = [
        "reservations": Reservation.columns,
        "gift_keys": ["public_key", "valid_from", "valid_to"],
        "gift_codes": ["member_id"],
        "gift_revocations": ["code_id", "reason"],
        "gift_redemptions": ["code_id", "counter", "at"],
        "members": ["card_no"],
        "lounge_visits": ["member_id", "guests", "status", "checked_in_at"],
    ]

    init(store: SQLiteReplica, role: Role, logger: Logger) throws {
        self.logger = logger
        for kind in role.subscriptions { try load(kind, from: store) }
    }

    func rowsChanged(_ refs: [RowRef], in store: SQLiteReplica) {
        for ref in refs where Self.columns[ref.table] != nil {
            do {
                apply(ref, values: try store.row(ref)?.values ?? [:])
            } catch {
                logger.error(
                    "decision view not refreshed", metadata: ["row.table": "\(ref.table)", "sync.error": "\(error)"])
            }
        }
    }

    func channelReplaced(_ channel: Channel, in store: SQLiteReplica) {
        do {
            try load(channel.kind, from: store)
        } catch {
            logger.error(
                "decision view not reloaded", metadata: ["sync.channel": "\(channel)", "sync.error": "\(error)"])
        }
    }

    private func load(_ kind: Channel.Kind, from store: SQLiteReplica) throws {
        let tables = Self.columns.keys.filter { Schema.mall.tables[$0]?.channelKinds.contains(kind) == true }.sorted()
        guard !tables.isEmpty else { return }
        switch kind {
        case .parking: reservations = ReservationBook()
        case .gifts: gifts = GiftBook()
        case .members, .lounge: lounge.reset(tables: Set(tables))
        case .audit, .staff: break
        }
        unusable = unusable.filter { !tables.contains($0.table) }
        for table in tables {
            try store.forEachVisibleRow(of: table, columns: Self.columns[table]!) { key, values in
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
            try update(ref, values: values)
            unusable.remove(ref)
        } catch {
            if unusable.insert(ref).inserted {
                logger.warning(
                    "row unusable for decisions",
                    metadata: ["row.table": "\(ref.table)", "row.key": "\(ref.key)", "view.problem": "\(error)"])
            }
        }
    }

    private func update(_ ref: RowRef, values: [String: Value]) throws(RowProblem) {
        let key = ref.key
        // A value the schema does not allow (a time of Int64.min written
        // before the hub checked ranges, or by a node that does not) makes
        // the whole row unusable: rules do arithmetic on these values.
        if let table = Schema.mall.tables[ref.table],
            let column = values.keys.sorted().first(where: { table.violation(column: $0, value: values[$0]!) != nil })
        {
            removeFromViews(ref)
            throw .invalid(column)
        }
        switch ref.table {
        case "reservations":
            reservations.remove(id: key)
            if !values.isEmpty { reservations.upsert(try Reservation.parse(key: key, values: values).get()) }
        case "gift_keys":
            let keyID = Self.giftKeyID(ofRow: key)
            gifts.removeKey(id: keyID)
            guard !values.isEmpty else { return }
            guard let text = values["public_key"]?.textValue, let raw = Data(base64Encoded: text), raw.count == 32
            else {
                throw .invalid("public_key")
            }
            gifts.setKey(
                .init(
                    id: keyID, publicKey: Array(raw), validFrom: values["valid_from"]?.intValue ?? .min,
                    validTo: values["valid_to"]?.intValue ?? .max))
        case "gift_codes":
            gifts.setIssued(key, !values.isEmpty)
        case "gift_revocations":
            // Events are never deleted; a revocation row names its code.
            guard !values.isEmpty else { return }
            guard let code = values["code_id"]?.textValue else { throw .missing("code_id") }
            gifts.revoke(codeID: code, reason: values["reason"]?.textValue ?? "revoked")
        case "gift_redemptions":
            gifts.removeRedemption(rowKey: key)
            guard !values.isEmpty else { return }
            guard let code = values["code_id"]?.textValue else { throw .missing("code_id") }
            gifts.record(
                .init(
                    rowKey: key, codeID: code, counter: values["counter"]?.textValue ?? "?",
                    at: values["at"]?.intValue ?? 0))
        case "members":
            lounge.setCard(values["card_no"]?.textValue, member: key)
        case "lounge_visits":
            lounge.removeVisit(key)
            guard !values.isEmpty, values["status"]?.textValue == "open" else { return }
            guard let member = values["member_id"]?.textValue else { throw .missing("member_id") }
            lounge.openVisit(
                .init(
                    id: key, memberID: member, guests: Int(values["guests"]?.intValue ?? 0),
                    checkedInAt: values["checked_in_at"]?.intValue ?? 0))
        default: return
        }
    }
}

extension DecisionViews {
    /// A `gift_keys` row is `{mall}:{id}` (one per mall); codes name the key by `id`.
    fileprivate static func giftKeyID(ofRow key: String) -> String {
        String(key.split(separator: ":").last ?? Substring(key))
    }

    /// Takes a row out of whichever view holds it.
    fileprivate func removeFromViews(_ ref: RowRef) {
        switch ref.table {
        case "reservations": reservations.remove(id: ref.key)
        case "gift_keys": gifts.removeKey(id: Self.giftKeyID(ofRow: ref.key))
        case "gift_redemptions": gifts.removeRedemption(rowKey: ref.key)
        case "gift_codes": gifts.setIssued(ref.key, false)
        case "lounge_visits": lounge.removeVisit(ref.key)
        default: break
        }
    }
}

/// Why a row cannot be used by a decision, without its values.
enum RowProblem: Error, CustomStringConvertible {
    case missing(String)
    case invalid(String)
    case plate(PlateError)

    var description: String {
        switch self {
        case .missing(let column): "column \(column) is missing"
        case .invalid(let column): "column \(column) is not valid"
        case .plate(let error): "plate: \(error)"
        }
    }
}

extension Reservation {
    /// The columns `parse` reads.
    static let columns = ["member_id", "plate", "zone", "window_start", "window_end", "status"]

    /// Reads a `reservations` row; the plate is normalised as the gate matches it.
    static func parse(key: String, values: [String: Value]) -> Result<Reservation, RowProblem> {
        guard case .text(let raw)? = values["plate"] else { return .failure(.missing("plate")) }
        let plate: Plate
        do {
            plate = try PlateNormalizer.normalize(raw)
        } catch {
            return .failure(.plate(error))
        }
        guard case .text(let statusText)? = values["status"], let status = Status(rawValue: statusText) else {
            return .failure(.invalid("status"))
        }
        guard case .int(let start)? = values["window_start"] else { return .failure(.missing("window_start")) }
        guard case .int(let end)? = values["window_end"] else { return .failure(.missing("window_end")) }
        return .success(
            Reservation(
                id: key, memberID: values["member_id"]?.textValue ?? "", plate: plate.text,
                zone: values["zone"]?.textValue ?? "", windowStart: start, windowEnd: end, status: status))
    }
}

public import EdgeRules
import Foundation
import MallSchema
public import SyncCore

/// The books a node's decisions read (bookings, gift keys and uses, lounge
/// visits and cards), built from replicated rows. Pure: the node's
/// `DecisionViews` feeds it the rows its replica holds, and `mall-fuzz views`
/// feeds it any row a stolen device could get replicated, so that mapping a
/// row can refuse it but never trap.
public struct DecisionBooks: Sendable {
    public private(set) var reservations = ReservationBook()
    public private(set) var gifts = GiftBook()
    public private(set) var lounge = LoungeBook()

    /// The tables the books follow, and the columns each reads.
    public static let columns: [String: [String]] = [
        Reservation.table: Reservation.columns,
        "gift_keys": ["public_key", "valid_from", "valid_to"],
        "gift_codes": ["member_id"],
        "gift_revocations": ["code_id", "reason"],
        GiftRedemptionRows.table: GiftRedemptionRows.columns,
        "members": ["card_no"],
        LoungeVisitRows.table: LoungeVisitRows.columns,
        "lounge_bans": ["member_id", "until"],
    ]

    public init() {}

    /// Empties the books fed by `tables` of channel kind `kind`, before
    /// they are loaded again from a new snapshot.
    public mutating func reset(_ kind: Channel.Kind, tables: Set<String>) {
        switch kind {
        case .parking: reservations = ReservationBook()
        case .gifts: gifts = GiftBook()
        case .members, .lounge: lounge.reset(tables: tables)
        default: break
        }
    }

    /// Takes in the row's current values (`values` empty: the row is gone,
    /// deleted or never visible). A row a decision cannot use is taken out of
    /// the books and refused with why.
    public mutating func apply(_ ref: RowRef, values: [String: Value]) throws(RowProblem) {
        let key = ref.key
        // A value the schema does not allow (a time of Int64.min written
        // before the hub checked ranges, or by a node that does not) makes
        // the whole row unusable: rules do arithmetic on these values.
        if let table = SyncSchema.mall.tables[ref.table],
            let column = values.keys.sorted().first(where: { table.violation(column: $0, value: values[$0]!) != nil })
        {
            remove(ref)
            throw .invalid(column)
        }
        switch ref.table {
        case Reservation.table:
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
        case GiftRedemptionRows.table:
            gifts.removeRedemption(rowKey: key)
            if let redemption = try GiftRedemptionRows.redemption(key: key, values: values) { gifts.record(redemption) }
        case "members":
            lounge.setCard(values["card_no"]?.textValue, member: key)
        case LoungeVisitRows.table:
            lounge.removeVisit(key)
            if let visit = try LoungeVisitRows.openVisit(key: key, values: values) { lounge.openVisit(visit) }
        case "lounge_bans":
            lounge.removeBan(row: key)
            guard !values.isEmpty else { return }
            guard let member = values["member_id"]?.textValue else { throw .missing("member_id") }
            guard let until = values["until"]?.intValue else { throw .missing("until") }
            lounge.setBan(row: key, member: member, until: until)
        default: return
        }
    }

    /// A `gift_keys` row is `{mall}:{id}` (one per mall); codes name the key by `id`.
    static func giftKeyID(ofRow key: String) -> String {
        String(key.split(separator: ":").last ?? Substring(key))
    }

    /// Takes a row out of whichever book holds it.
    private mutating func remove(_ ref: RowRef) {
        switch ref.table {
        case Reservation.table: reservations.remove(id: ref.key)
        case "gift_keys": gifts.removeKey(id: Self.giftKeyID(ofRow: ref.key))
        case GiftRedemptionRows.table: gifts.removeRedemption(rowKey: ref.key)
        case "gift_codes": gifts.setIssued(ref.key, false)
        case LoungeVisitRows.table: lounge.removeVisit(ref.key)
        case "lounge_bans": lounge.removeBan(row: ref.key)
        default: break
        }
    }
}

/// Why a row cannot be used by a decision, without its values.
public enum RowProblem: Error, CustomStringConvertible {
    case missing(String)
    case invalid(String)
    case plate(PlateError)

    public var description: String {
        switch self {
        case .missing(let column): "column \(column) is missing"
        case .invalid(let column): "column \(column) is not valid"
        case .plate(let error): "plate: \(error)"
        }
    }
}

/// Turns imported member records (CSV or JSON rows from the back office,
/// the mini program, the CRM…) into one member per person: a row whose phone
/// or card number is already known updates that member, rows sharing a
/// phone or card within the import merge, and every other row is a new
/// member whose id derives from its stable key. A row that cannot be used
/// is reported with its number and field, and then nothing is imported.
public enum MemberImport {
    /// A member as the hub already holds it.
    public struct Existing: Hashable, Sendable {
        public var id: String
        public var phone: String?
        public var cardNo: String?

        public init(id: String, phone: String?, cardNo: String?) {
            self.id = id
            self.phone = phone
            self.cardNo = cardNo
        }
    }

    /// What to write for one member (only the fields the rows gave).
    public struct Member: Hashable, Sendable {
        public var id: String
        public var isNew: Bool
        public var name: String?
        public var tier: String?
        public var phone: String?
        public var cardNo: String?
        public var guestsAllowed: Int?
        /// The import rows (1-based) merged into this member.
        public var rows: [Int]
    }

    public static let fields: Set<String> = ["name", "tier", "phone", "card_no", "guests_allowed"]
    public static let tiers: Set<String> = ["svip", "black", "gold", "white", "silver"]

    /// `rows`: field name to text (CSV header names or JSON keys), in order.
    public static func plan(_ rows: [[String: String]], existing: [Existing]) -> Result<[Member], ImportRefusal> {
        var errors: [ImportRowError] = []
        var byPhone: [String: String] = [:]
        var byCard: [String: String] = [:]
        for member in existing {
            if let phone = member.phone { byPhone[normalisePhone(phone)] = member.id }
            if let card = member.cardNo { byCard[card] = member.id }
        }
        let known = Set(existing.map(\.id))
        var members: [String: Member] = [:]
        var order: [String] = []
        for (index, row) in rows.enumerated() {
            let number = index + 1
            func fail(_ field: String?, _ problem: String) {
                errors.append(ImportRowError(row: number, field: field, problem: problem))
            }
            if let unknown = unknownField(in: row, allowed: fields, number: number) { errors.append(unknown) }
            let phone = row["phone"].map(normalisePhone).flatMap { $0.isEmpty ? nil : $0 }
            let card = text(row, "card_no")
            if let raw = row["phone"], !raw.trimmingWhitespace().isEmpty, phone.map(isPhone) != true {
                fail("phone", "not a phone number (7 to 15 digits, an optional leading +)")
                continue
            }
            if let card, card.count > 32 { fail("card_no", "at most 32 characters") }
            guard phone != nil || card != nil else {
                fail(nil, "needs a phone or a card number: the stable key that makes one member of many records")
                continue
            }
            let name = text(row, "name")
            if let name, name.count > 100 { fail("name", "at most 100 characters") }
            let tier = row["tier"].map { $0.trimmingWhitespace().lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
            if let tier, !tiers.contains(tier) { fail("tier", "one of \(tiers.sorted().joined(separator: ", "))") }
            var guests: Int?
            if let text = row["guests_allowed"]?.trimmingWhitespace(), !text.isEmpty {
                guard let value = Int(text), (0...20).contains(value) else {
                    fail("guests_allowed", "a whole number from 0 to 20")
                    continue
                }
                guests = value
            }
            let byPhoneID = phone.flatMap { byPhone[$0] }
            let byCardID = card.flatMap { byCard[$0] }
            if let byPhoneID, let byCardID, byPhoneID != byCardID {
                fail("card_no", "the phone belongs to member \(byPhoneID) and the card to member \(byCardID)")
                continue
            }
            let id = byPhoneID ?? byCardID ?? stableID(phone: phone, card: card)
            var member =
                members[id]
                ?? Member(
                    id: id, isNew: !known.contains(id), name: nil, tier: nil, phone: nil, cardNo: nil,
                    guestsAllowed: nil, rows: [])
            if members[id] == nil { order.append(id) }
            member.rows.append(number)
            member.name = name ?? member.name
            member.tier = tier ?? member.tier
            member.phone = phone ?? member.phone
            member.cardNo = card ?? member.cardNo
            member.guestsAllowed = guests ?? member.guestsAllowed
            if let phone { byPhone[phone] = id }
            if let card { byCard[card] = id }
            members[id] = member
        }
        for id in order where members[id]!.isNew && members[id]!.name == nil {
            errors.append(
                ImportRowError(row: members[id]!.rows[0], field: "name", problem: "a new member needs a name"))
        }
        return errors.isEmpty
            ? .success(order.map { members[$0]! }) : .failure(ImportRefusal(rows: errors))
    }

    /// `m-` and 12 hex digits of a FNV-1a hash of the stable key (the phone if
    /// there is one): importing the same person again finds the same id.
    static func stableID(phone: String?, card: String?) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (phone.map { "phone:" + $0 } ?? "card:" + (card ?? "")).utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let hex = String(hash & 0xFFFF_FFFF_FFFF, radix: 16)
        return "m-" + String(repeating: "0", count: 12 - hex.count) + hex
    }

    /// One form per number, so the same person matches however a channel
    /// wrote it: digits only (spaces, dashes, dots and brackets dropped); a
    /// mainland mobile (11 digits from 1) with or without +86 or 0086 becomes
    /// `+86` and its 11 digits; any other number keeps a leading + (or 00) as +.
    static func normalisePhone(_ text: String) -> String {
        let trimmed = text.trimmingWhitespace()
        var digits = String(trimmed.filter(\.isASCII).filter(\.isNumber))
        var international = trimmed.hasPrefix("+")
        if !international, digits.hasPrefix("00") {
            digits.removeFirst(2)
            international = true
        }
        if !international, digits.count == 11, digits.first == "1" { return "+86" + digits }
        return international ? "+" + digits : digits
    }

    static func isPhone(_ text: String) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return (7...15).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// Finds the member an imported vehicle or reservation row belongs to, by
/// the same stable keys that merge member records: the member id, the
/// phone or the card number, whichever the row gives. Rows naming a member
/// two ways that disagree are refused rather than guessed.
public struct MemberDirectory: Sendable {
    private var ids: Set<String> = []
    private var byPhone: [String: String] = [:]
    private var byCard: [String: String] = [:]

    public static let fields: Set<String> = ["member_id", "phone", "card_no"]

    public init(_ members: [MemberImport.Existing]) {
        for member in members {
            ids.insert(member.id)
            if let phone = member.phone { byPhone[MemberImport.normalisePhone(phone)] = member.id }
            if let card = member.cardNo { byCard[card] = member.id }
        }
    }

    /// The member id the row names, or the problem with how it names one.
    public func member(of row: [String: String], number: Int) -> Result<String, ImportRowError> {
        var found: [(field: String, id: String)] = []
        if let id = text(row, "member_id") {
            guard ids.contains(id) else {
                return .failure(.init(row: number, field: "member_id", problem: "no member \(id)"))
            }
            found.append(("member_id", id))
        }
        if let phone = text(row, "phone").map(MemberImport.normalisePhone) {
            guard let id = byPhone[phone] else {
                return .failure(.init(row: number, field: "phone", problem: "no member has phone \(phone)"))
            }
            found.append(("phone", id))
        }
        if let card = text(row, "card_no") {
            guard let id = byCard[card] else {
                return .failure(.init(row: number, field: "card_no", problem: "no member has card \(card)"))
            }
            found.append(("card_no", id))
        }
        guard let first = found.first else {
            return .failure(
                .init(row: number, field: nil, problem: "needs member_id, phone or card_no to find the member"))
        }
        if let other = found.first(where: { $0.id != first.id }) {
            return .failure(
                .init(
                    row: number, field: other.field,
                    problem: "\(first.field) names member \(first.id) but \(other.field) names member \(other.id)"))
        }
        return .success(first.id)
    }

    /// The member and the normalised plate of a vehicle or booking row.
    func memberAndPlate(of row: [String: String], number: Int) -> Result<(member: String, plate: Plate), ImportRowError>
    {
        member(of: row, number: number).flatMap { member in
            do {
                return .success((member, try PlateNormalizer.normalize(row["plate"] ?? "")))
            } catch {
                return .failure(ImportRowError(row: number, field: "plate", problem: "not a plate: \(error)"))
            }
        }
    }
}

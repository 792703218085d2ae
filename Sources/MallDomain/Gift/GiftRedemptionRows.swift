public import SyncCore

/// `gift_redemptions` rows, mapped from and to the replica's columns in one
/// place: a counter's decision writes one through `redeem`, and the gift
/// book reads them back.
public enum GiftRedemptionRows {
    public static let table = "gift_redemptions"
    /// The columns `redemption` reads.
    static let columns = ["code_id", "counter", "at"]

    /// A redemption of `token` at counter `counter` at `at` (ms since 1970),
    /// by `staff` when a clerk is logged in.
    public static func redeem(_ key: String, token: GiftToken, counter: String, staff: String?, at: Int64)
        -> LocalWrite
    {
        .insert(
            table, key,
            [
                "code_id": .text(token.codeID), "counter": .text(counter), "staff_id": staff.map { .text($0) } ?? .null,
                "member_id": .text(token.member), "gift": .text(token.gift), "at": .int(at),
                // When the code lapses, this redemption can go (SPEC §12.1).
                "valid_to": .int(Int64(token.validTo) * 1000),
            ])
    }

    /// The redemption a row holds; nil for a row gone.
    static func redemption(key: String, values: [String: Value]) throws(RowProblem) -> GiftBook.Redemption? {
        guard !values.isEmpty else { return nil }
        guard let code = values["code_id"]?.textValue else { throw .missing("code_id") }
        return GiftBook.Redemption(
            rowKey: key, codeID: code, counter: values["counter"]?.textValue ?? "?", at: values["at"]?.intValue ?? 0)
    }

    /// The columns `use` reads.
    public static let useColumns = ["member_id", "at"]

    /// The member and time of a redemption row, for the scalper watch; nil
    /// when the row does not say.
    public static func use(_ values: [String: Value]) -> (member: String, at: Int64)? {
        guard let member = values["member_id"]?.textValue, !member.isEmpty, case .int(let at)? = values["at"] else {
            return nil
        }
        return (member, at)
    }
}

import Foundation
public import SyncCore

/// The gift counter's book is fed the keys, codes, revocations and
/// redemptions of its mall.
extension GiftBook: RowFedBook {
    public static let columns: [String: [String]] = [
        "gift_keys": ["public_key", "valid_from", "valid_to"],
        "gift_codes": ["member_id"],
        "gift_revocations": ["code_id", "reason"],
        GiftRedemptionRows.table: GiftRedemptionRows.columns,
    ]

    public mutating func apply(_ ref: RowRef, values: [String: Value]) throws(RowProblem) {
        let key = ref.key
        switch ref.table {
        case "gift_keys":
            let keyID = Self.keyID(ofRow: key)
            removeKey(id: keyID)
            guard !values.isEmpty else { return }
            guard let text = values["public_key"]?.textValue, let raw = Data(base64Encoded: text), raw.count == 32
            else {
                throw .invalid("public_key")
            }
            setKey(
                .init(
                    id: keyID, publicKey: Array(raw), validFrom: values["valid_from"]?.intValue ?? .min,
                    validTo: values["valid_to"]?.intValue ?? .max))
        case "gift_codes":
            setIssued(key, !values.isEmpty)
        case "gift_revocations":
            // Events are never deleted; a revocation row names its code.
            guard !values.isEmpty else { return }
            guard let code = values["code_id"]?.textValue else { throw .missing("code_id") }
            revoke(codeID: code, reason: values["reason"]?.textValue ?? "revoked")
        case GiftRedemptionRows.table:
            removeRedemption(rowKey: key)
            if let redemption = try GiftRedemptionRows.redemption(key: key, values: values) { record(redemption) }
        default: return
        }
    }

    public mutating func remove(_ ref: RowRef) {
        switch ref.table {
        case "gift_keys": removeKey(id: Self.keyID(ofRow: ref.key))
        case GiftRedemptionRows.table: removeRedemption(rowKey: ref.key)
        case "gift_codes": setIssued(ref.key, false)
        default: break
        }
    }

    /// A `gift_keys` row is `{mall}:{id}` (one per mall); codes name the key by `id`.
    static func keyID(ofRow key: String) -> String {
        String(key.split(separator: ":").last ?? Substring(key))
    }
}

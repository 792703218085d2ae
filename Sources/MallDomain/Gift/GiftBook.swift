/// What a gift counter knows to verify codes offline: the hub's public keys,
/// revoked codes and every redemption it has heard of. A value with no I/O;
/// the node keeps it in step with its replica.
public struct GiftBook: Sendable {
    /// A public key and when it may verify codes (milliseconds since 1970).
    public struct Key: Hashable, Sendable {
        public var id: String
        public var publicKey: [UInt8]
        public var validFrom: Int64
        public var validTo: Int64

        public init(id: String, publicKey: [UInt8], validFrom: Int64, validTo: Int64) {
            self.id = id
            self.publicKey = publicKey
            self.validFrom = validFrom
            self.validTo = validTo
        }
    }

    public struct Redemption: Hashable, Sendable {
        public var rowKey: String
        public var codeID: String
        public var counter: String
        public var at: Int64

        public init(rowKey: String, codeID: String, counter: String, at: Int64) {
            self.rowKey = rowKey
            self.codeID = codeID
            self.counter = counter
            self.at = at
        }
    }

    public private(set) var keys: [String: Key] = [:]
    /// The codes this mall issued (its `gift_codes` rows): how a version 1
    /// code, which names no mall, is known to be this mall's.
    public private(set) var issued: Set<String> = []
    /// Revocation reasons by code id.
    public private(set) var revocations: [String: String] = [:]
    private var redemptionsByRow: [String: Redemption] = [:]
    private var rowsByCode: [String: Set<String>] = [:]

    public init() {}

    public mutating func setKey(_ key: Key) { keys[key.id] = key }
    public mutating func setIssued(_ codeID: String, _ isIssued: Bool) {
        if isIssued { issued.insert(codeID) } else { issued.remove(codeID) }
    }
    public mutating func removeKey(id: String) { keys[id] = nil }
    public mutating func revoke(codeID: String, reason: String) { revocations[codeID] = reason }
    public mutating func removeRevocation(codeID: String) { revocations[codeID] = nil }

    public mutating func record(_ redemption: Redemption) {
        removeRedemption(rowKey: redemption.rowKey)
        redemptionsByRow[redemption.rowKey] = redemption
        rowsByCode[redemption.codeID, default: []].insert(redemption.rowKey)
    }

    public mutating func removeRedemption(rowKey: String) {
        guard let previous = redemptionsByRow.removeValue(forKey: rowKey) else { return }
        rowsByCode[previous.codeID]?.remove(rowKey)
        if rowsByCode[previous.codeID]?.isEmpty == true { rowsByCode[previous.codeID] = nil }
    }

    /// The redemptions of one code, earliest first.
    public func redemptions(of codeID: String) -> [Redemption] {
        (rowsByCode[codeID] ?? []).compactMap { redemptionsByRow[$0] }.sorted {
            ($0.at, $0.rowKey) < ($1.at, $1.rowKey)
        }
    }
}

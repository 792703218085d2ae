import Crypto

/// Decides whether a scanned gift code may be redeemed here, now, from the
/// counter's own replica: every check a counter can make offline, in the
/// order that gives staff the most useful reason.
public struct GiftVerifier: Sendable {
    /// - `clockLeewayMillis`: how far the counter's clock may be off either
    ///   way before a code counts as not yet valid or expired (default 2 min).
    public struct Configuration: Hashable, Sendable {
        public var clockLeewayMillis: Int64

        public init(clockLeewayMillis: Int64 = 120_000) {
            self.clockLeewayMillis = clockLeewayMillis
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// The token, if `text` may be redeemed at `counter` of `mall` at `now` (ms since 1970).
    public func verify(_ text: String, counter: String, mall: String, now: Int64, book: GiftBook)
        throws(GiftCodeError) -> GiftToken
    {
        let scanned = try ScannedGiftCode(text)
        let token = scanned.token
        switch token.scope {
        case .mall: guard token.mallTag == GiftToken.tag(ofMall: mall) else { throw .otherMall }
        case .group: break
        // A version 1 code names no mall: only the mall it was issued for
        // holds its `gift_codes` row.
        case .legacy: guard book.issued.contains(token.codeID) else { throw .otherMall }
        }
        guard let key = book.keys[token.keyID] else { throw .unknownKey(token.keyID) }
        guard let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key.publicKey),
            scanned.isSigned(by: publicKey)
        else { throw .badSignature }
        let leeway = configuration.clockLeewayMillis
        guard now + leeway >= key.validFrom, now - leeway <= key.validTo else { throw .keyRetired(key.id) }
        let validFrom = Int64(token.validFrom) * 1000
        let validTo = Int64(token.validTo) * 1000
        guard now + leeway >= validFrom else { throw .notYetValid(validFrom: validFrom) }
        guard now - leeway <= validTo else { throw .expired(validTo: validTo) }
        if let reason = book.revocations[token.codeID] { throw .revoked(reason: reason) }
        if let first = book.redemptions(of: token.codeID).first {
            throw .alreadyRedeemed(at: first.at, counter: first.counter, here: first.counter == counter)
        }
        return token
    }
}

extension GiftCodeError: CustomStringConvertible {
    /// The short reason an API returns: `malformed`, `bad signature`, ….
    public var reason: String {
        switch self {
        case .malformed: "malformed"
        case .otherMall: "other mall"
        case .unknownKey: "unknown key"
        case .badSignature: "bad signature"
        case .keyRetired: "key retired"
        case .expired: "expired"
        case .notYetValid: "not yet valid"
        case .revoked: "revoked"
        case .alreadyRedeemed(_, _, let here): here ? "already redeemed here" : "already redeemed"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let detail): "not a valid gift code: \(detail)"
        case .otherMall: "issued for another mall, and not valid group-wide"
        case .unknownKey(let id): "signed with key \(id), which this counter does not know"
        case .badSignature: "the signature does not match: a forged or altered code"
        case .keyRetired(let id): "signed with key \(id), which is no longer valid"
        case .expired(let validTo): "expired at \(validTo) ms"
        case .notYetValid(let validFrom): "valid only from \(validFrom) ms"
        case .revoked(let reason): "revoked: \(reason)"
        case .alreadyRedeemed(let at, let counter, _): "already redeemed at \(counter) at \(at) ms"
        }
    }
}

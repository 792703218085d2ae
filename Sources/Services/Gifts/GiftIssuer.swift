import Crypto
import Foundation
public import Logging
import MallDomain
import QRCodes
import SyncCore

/// A gift code just issued: its id and the text for the QR code.
public struct IssuedGiftCode: Codable, Sendable {
    public var mall: String
    /// Honoured at every mall of the group, not only `mall`.
    public var groupWide: Bool
    public var codeId: String
    public var text: String
    public var keyId: String
    public var member: String
    public var gift: String
    /// Milliseconds since 1970.
    public var validFrom: Int64
    public var validTo: Int64
    /// The code as a QR symbol (error correction Q), drawn by libqrencode.
    public var qrVersion: Int
    public var qrSvg: String
    /// The same symbol as a PNG image, base64.
    public var qrPng: String
}

/// Issues, revokes and rotates the keys of gift codes: holds the signing
/// keys, draws the QR symbols, and writes the codes, revocations and public
/// keys through the hub. Its own actor, so signing and drawing never hold up
/// the fleet's sync.
public actor GiftIssuer {
    let hub: HubCoordinator
    let policies: HubPolicies
    let logger: Logger
    /// Opened on first use, so a hub that never issues gifts needs no key directory.
    var keyrings: [GiftKeyScope: GiftKeyring] = [:]

    public init(hub: HubCoordinator, logger: Logger) {
        self.hub = hub
        policies = hub.policies
        self.logger = logger
    }

    var malls: Set<String> { hub.malls }

    /// Issues a gift code for `member` of `mall`: signs it with the mall's
    /// newest key, or the group's for a code every mall honours (making the
    /// first key if there is none), records it in the mall's `gift_codes` and
    /// the audit log, and returns the text for the QR code.
    public func issueGiftCode(
        mall: String, groupWide: Bool = false, member: String, gift: String, validFrom: Int64?, validTo: Int64,
        actor: String
    ) async throws -> IssuedGiftCode {
        let now = Int64(clamping: hub.clock.now())
        let from = validFrom ?? now
        let times = GiftToken.representableMillis
        guard times.contains(from), times.contains(validTo) else {
            throw AdminError(.invalid, "validity must be within 0 and \(times.upperBound) ms since 1970")
        }
        guard from < validTo, validTo > now else {
            throw AdminError(.invalid, "validTo must be after validFrom and now")
        }
        guard validTo - from <= policies.maxCodeLifetimeMillis else {
            throw AdminError(
                .invalid, "a code may be valid for at most \(policies.maxCodeLifetimeMillis / 86_400_000) days")
        }
        guard malls.contains(mall) else { throw AdminError(.invalid, "mall \(mall) has no node in this hub's fleet") }
        let signer = try await signingKey(groupWide ? .group : .mall(mall))
        let token = GiftToken(
            mall: mall, groupWide: groupWide, keyNumber: signer.number, codeNumber: UInt64.random(in: 1...UInt64.max),
            validFrom: UInt32(from / 1000), validTo: UInt32((validTo + 999) / 1000), member: member, gift: gift)
        let text: String
        do {
            text = try token.signed(with: signer.key)
        } catch let error as GiftCodeError {
            throw AdminError(.invalid, "\(error)")
        }
        // Drawn before the code is committed: a code that exists has its image.
        let symbol: QRCode
        let png: [UInt8]
        do {
            symbol = try QRCode(text, level: .quartile)
            png = try symbol.png()
        } catch {
            throw AdminError(.unavailable, "\(error)")
        }
        try await hub.write(
            [
                .insert(
                    "gift_codes", token.codeID,
                    [
                        "member_id": .text(member), "gift": .text(gift),
                        "valid_from": .int(Int64(token.validFrom) * 1000),
                        "valid_to": .int(Int64(token.validTo) * 1000), "key_id": .text(token.keyID),
                        "group_wide": .int(groupWide ? 1 : 0),
                    ]),
                hub.auditEntry(actor: actor, action: "gift.issue", target: token.codeID, outcome: "issued", at: now),
            ], mall: mall, decision: "gift.issue")
        return IssuedGiftCode(
            mall: mall, groupWide: groupWide, codeId: token.codeID, text: text, keyId: token.keyID, member: member,
            gift: gift,
            validFrom: Int64(token.validFrom) * 1000, validTo: Int64(token.validTo) * 1000, qrVersion: symbol.version,
            qrSvg: symbol.svg(), qrPng: Data(png).base64EncodedString())
    }

    /// Revokes a code in its mall, or in every mall for a group-wide one:
    /// every counter refuses it once the revocation reaches its replica.
    public func revokeGiftCode(_ codeID: String, reason: String, actor: String) async throws {
        let now = Int64(clamping: hub.clock.now())
        let malls = self.malls
        // The code is read and revoked in one step of the hub: a second
        // revocation racing this one finds it revoked.
        try await hub.write(decision: "gift.revoke") { rows in
            guard let code = try rows.row("gift_codes", codeID), code.state.isVisible else {
                throw AdminError(.notFound, "no gift code \(codeID)")
            }
            if try rows.row("gift_revocations", codeID)?.state.inserted == true {
                throw AdminError(.invalid, "gift code \(codeID) is already revoked")
            }
            let issuingMall = code.channel.mall
            let groupWide = code.state.values["group_wide"] == .int(1)
            let writes = (groupWide ? malls.sorted() : [issuingMall]).map { mall in
                // One row per mall (a row key names one row fleet-wide);
                // counters file a revocation under its `code_id`.
                let key = mall == issuingMall ? codeID : "\(mall):\(codeID)"
                return (
                    mall: mall,
                    writes: [
                        LocalWrite.insert(
                            "gift_revocations", key,
                            [
                                "code_id": .text(codeID), "reason": .text(reason), "at": .int(now),
                                "valid_to": code.state.values["valid_to"] ?? .null,
                            ]),
                        hub.auditEntry(
                            actor: actor, action: "gift.revoke", target: codeID, outcome: "revoked", at: now),
                    ]
                )
            }
            return (writes: writes, outcome: ())
        }
    }

    /// Starts signing with a new key: `mall`'s, or when nil every mall's and
    /// the group's. The previous key stays valid for the longest code
    /// lifetime (plus the clock leeway), so every code it signed can still
    /// be redeemed; then counters refuse it. A mall's key is published to
    /// that mall's counters only, the group's to every mall's.
    /// - Returns: the new keys' ids.
    @discardableResult
    public func rotateGiftKey(mall: String? = nil, actor: String) async throws -> [String] {
        if let mall, !malls.contains(mall) {
            throw AdminError(.invalid, "mall \(mall) has no node in this hub's fleet")
        }
        let scopes: [GiftKeyScope] = mall.map { [.mall($0)] } ?? (malls.sorted().map { .mall($0) } + [.group])
        var created: [String] = []
        for scope in scopes { created.append(try await rotate(scope, actor: actor)) }
        return created
    }

    private func rotate(_ scope: GiftKeyScope, actor: String) async throws -> String {
        let now = Int64(clamping: hub.clock.now())
        var keyring = try openKeyring(scope)
        let previous = keyring.newest
        let created: (number: UInt32, key: Curve25519.Signing.PrivateKey)
        do {
            created = try keyring.create()
        } catch {
            throw AdminError(.unavailable, "\(error)")
        }
        keyrings[scope] = keyring
        let id = GiftToken.keyID(created.number, scope: scope.tokenScope)
        let publishedTo: [String]
        switch scope {
        case .mall(let mall): publishedTo = [mall]
        case .group: publishedTo = malls.sorted()
        }
        for mall in publishedTo {
            var writes: [LocalWrite] = [
                .insert(
                    "gift_keys", Self.keyRow(id, mall: mall),
                    [
                        "public_key": .text(created.key.publicKey.rawRepresentation.base64EncodedString()),
                        "valid_from": .int(now - policies.clockLeewayMillis),
                        "valid_to": .int(now + policies.keyLifetimeMillis),
                    ])
            ]
            if let previous {
                writes.append(
                    .update(
                        "gift_keys",
                        Self.keyRow(GiftToken.keyID(previous.number, scope: scope.tokenScope), mall: mall),
                        ["valid_to": .int(now + policies.maxCodeLifetimeMillis + policies.clockLeewayMillis)]))
            }
            writes.append(
                hub.auditEntry(actor: actor, action: "gift.rotate-key", target: id, outcome: "created", at: now))
            try await hub.write(writes, mall: mall, decision: "gift.rotate-key")
        }
        logger.notice("gift signing key created", metadata: ["gift.key": "\(id)", "gift.scope": "\(scope)"])
        return id
    }

    /// A key's row in `gift_keys`: one per mall that may verify it, since a
    /// row key names one row in the whole fleet (`mall-sh-01:m2`). Counters
    /// file it under `m2`.
    public static func keyRow(_ keyID: String, mall: String) -> String { "\(mall):\(keyID)" }

    /// The scope's newest key; makes the first one on first use.
    private func signingKey(_ scope: GiftKeyScope) async throws -> (
        number: UInt32, key: Curve25519.Signing.PrivateKey
    ) {
        if let newest = try openKeyring(scope).newest { return newest }
        _ = try await rotate(scope, actor: "hub")
        return try openKeyring(scope).newest!
    }

    /// The keyring of `scope`, in its own directory under the gift key
    /// directory (`mall-{id}/`, `group/`). Keys of version 1 codes stay in
    /// the directory itself, published and unused.
    private func openKeyring(_ scope: GiftKeyScope) throws -> GiftKeyring {
        if let keyring = keyrings[scope] { return keyring }
        guard let directory = policies.giftKeyDirectory else {
            throw AdminError(.unavailable, "this hub has no gift key directory configured")
        }
        do {
            let keyring = try GiftKeyring(directory: "\(directory)/\(scope.directoryName)")
            keyrings[scope] = keyring
            return keyring
        } catch {
            throw AdminError(.unavailable, "\(error)")
        }
    }
}

/// Which keyring signs a code: a mall's own (its codes are redeemed there
/// only) or the group's (codes every mall honours).
enum GiftKeyScope: Hashable, CustomStringConvertible {
    case mall(String)
    case group

    var directoryName: String {
        switch self {
        case .mall(let mall): "mall-\(mall)"
        case .group: "group"
        }
    }

    var tokenScope: GiftToken.KeyScope {
        switch self {
        case .mall: .mall
        case .group: .group
        }
    }

    var description: String { directoryName }
}

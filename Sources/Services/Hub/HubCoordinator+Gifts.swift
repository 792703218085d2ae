import Crypto
import EdgeRules
import Foundation
import QRCodes
import SyncCore

/// A gift code just issued: its id and the text for the QR code.
public struct IssuedGiftCode: Codable, Sendable {
    public var mall: String
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

/// Why the hub refused an admin request; `description` says what to fix.
public struct AdminError: Error, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalid
        case notFound = "not-found"
        case unavailable
    }

    public var code: Code
    public var description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}

extension HubCoordinator {
    /// Issues a gift code for `member`: signs it with the newest key (making
    /// the first key if there is none), records it in the mall's `gift_codes`
    /// and the audit log, and returns the text for the QR code.
    public func issueGiftCode(
        mall: String, member: String, gift: String, validFrom: Int64?, validTo: Int64, actor: String
    ) throws -> IssuedGiftCode {
        let now = Int64(clock.now())
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
        let signer = try signingKey(now: now)
        let token = GiftToken(
            keyNumber: signer.number, codeNumber: UInt64.random(in: 1...UInt64.max),
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
        try write(
            [
                .insert(
                    "gift_codes", token.codeID,
                    [
                        "member_id": .text(member), "gift": .text(gift),
                        "valid_from": .int(Int64(token.validFrom) * 1000),
                        "valid_to": .int(Int64(token.validTo) * 1000), "key_id": .text(token.keyID),
                    ]),
                hubAudit(actor: actor, action: "gift.issue", target: token.codeID, outcome: "issued", at: now),
            ], mall: mall, decision: "gift.issue")
        return IssuedGiftCode(
            mall: mall, codeId: token.codeID, text: text, keyId: token.keyID, member: member, gift: gift,
            validFrom: Int64(token.validFrom) * 1000, validTo: Int64(token.validTo) * 1000, qrVersion: symbol.version,
            qrSvg: symbol.svg(), qrPng: Data(png).base64EncodedString())
    }

    /// Revokes a code in its mall: every counter refuses it once the
    /// revocation reaches its replica.
    public func revokeGiftCode(_ codeID: String, reason: String, actor: String) throws {
        guard let code = try engine.store.row(RowRef(table: "gift_codes", key: codeID)), code.state.isVisible else {
            throw AdminError(.notFound, "no gift code \(codeID)")
        }
        if try engine.store.row(RowRef(table: "gift_revocations", key: codeID))?.state.inserted == true {
            throw AdminError(.invalid, "gift code \(codeID) is already revoked")
        }
        let now = Int64(clock.now())
        try write(
            [
                .insert(
                    "gift_revocations", codeID, ["code_id": .text(codeID), "reason": .text(reason), "at": .int(now)]),
                hubAudit(actor: actor, action: "gift.revoke", target: codeID, outcome: "revoked", at: now),
            ], mall: code.channel.mall, decision: "gift.revoke")
    }

    /// Starts signing with a new key. The previous key stays valid for the
    /// longest code lifetime (plus the clock leeway), so every code it
    /// signed can still be redeemed; then counters refuse it.
    @discardableResult
    public func rotateGiftKey(actor: String) throws -> String {
        let now = Int64(clock.now())
        var keyring = try openKeyring()
        let previous = keyring.newest
        let created: (number: UInt32, key: Curve25519.Signing.PrivateKey)
        do {
            created = try keyring.create()
        } catch {
            throw AdminError(.unavailable, "\(error)")
        }
        giftKeyring = keyring
        let id = GiftToken.keyID(created.number)
        for mall in malls.sorted() {
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
                        "gift_keys", Self.keyRow(GiftToken.keyID(previous.number), mall: mall),
                        ["valid_to": .int(now + policies.maxCodeLifetimeMillis + policies.clockLeewayMillis)]))
            }
            writes.append(hubAudit(actor: actor, action: "gift.rotate-key", target: id, outcome: "created", at: now))
            try write(writes, mall: mall, decision: "gift.rotate-key")
        }
        logger.notice("gift signing key created", metadata: ["gift.key": "\(id)"])
        return id
    }

    /// A key's row in `gift_keys`: one per mall, since a row key names one
    /// row in the whole fleet (`mall-sh-01:k2`). Counters file it under `k2`.
    public static func keyRow(_ keyID: String, mall: String) -> String { "\(mall):\(keyID)" }

    /// The newest key; makes the first one on first use.
    private func signingKey(now: Int64) throws -> (number: UInt32, key: Curve25519.Signing.PrivateKey) {
        if let newest = try openKeyring().newest { return newest }
        try rotateGiftKey(actor: "hub")
        return try openKeyring().newest!
    }

    private func openKeyring() throws -> GiftKeyring {
        if let giftKeyring { return giftKeyring }
        guard let directory = policies.giftKeyDirectory else {
            throw AdminError(.unavailable, "this hub has no gift key directory configured")
        }
        do {
            let keyring = try GiftKeyring(directory: directory)
            giftKeyring = keyring
            return keyring
        } catch {
            throw AdminError(.unavailable, "\(error)")
        }
    }

    func hubAudit(actor: String, action: String, target: String, outcome: String, at: Int64) -> LocalWrite {
        .insert(
            "audit_log", "au-\(engine.configuration.hubID)-\(UUID().uuidString.lowercased())",
            [
                "actor": .text(actor), "action": .text(action), "target": .text(target), "outcome": .text(outcome),
                "node": .text(engine.configuration.hubID), "at": .int(at),
            ])
    }
}

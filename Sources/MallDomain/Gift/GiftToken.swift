public import Crypto

/// What a gift QR code says: which mall issued it (and whether every mall
/// of the group honours it), who may take which gift, when, under which key.
///
/// On the wire (documented in `sync-protocol/GIFT-TOKENS.md`): `MG2:` and
/// the Base45 of a payload followed by its 64-byte Ed25519 signature. The
/// payload is version (1 byte, 2), flags (1: bit 0 group-wide), the issuing
/// mall's tag (4), key number (4), code id (8), valid from and valid to (4
/// each, seconds since 1970), then member and gift as length-prefixed UTF-8
/// (1 + at most 24 bytes each), all big-endian. The signature covers
/// `MallEdge gift v2` and a zero byte, then the payload, so a signature made
/// for anything else never verifies here. Version 1 codes (`MG1:`, no mall,
/// issued before codes named their mall) still parse; `GiftVerifier` takes
/// them only where the mall's replica holds the code.
public struct GiftToken: Hashable, Sendable {
    public static let prefix = "MG2:"
    static let legacyPrefix = "MG1:"
    /// The longest member or gift, in UTF-8 bytes.
    public static let maxFieldBytes = 24
    /// The longest text a token can be: a version 10 QR code holds it in
    /// alphanumeric mode even at error correction level Q (221 characters).
    public static let maxTextLength = 221
    static let version: UInt8 = 2
    static let domain = Array("MallEdge gift v2".utf8) + [0]
    static let legacyDomain = Array("MallEdge gift v1".utf8) + [0]

    /// The issuing mall's tag (`GiftToken.tag(ofMall:)`); nil in a version 1 code.
    public var mallTag: UInt32?
    /// Honoured at every mall of the group, not only the issuing one.
    public var groupWide: Bool
    public var keyNumber: UInt32
    public var codeNumber: UInt64
    /// Seconds since 1970.
    public var validFrom: UInt32
    public var validTo: UInt32

    /// The validity times (ms since 1970) a code can carry: whole seconds in
    /// 32 bits, so up to early 2106, with `validTo` rounded up to a second.
    public static let representableMillis: ClosedRange<Int64> = 0...(Int64(UInt32.max) * 1000 - 999)
    public var member: String
    public var gift: String

    public init(
        mall: String?, groupWide: Bool = false, keyNumber: UInt32, codeNumber: UInt64, validFrom: UInt32,
        validTo: UInt32, member: String, gift: String
    ) {
        self.init(
            mallTag: mall.map(Self.tag(ofMall:)), groupWide: groupWide, keyNumber: keyNumber, codeNumber: codeNumber,
            validFrom: validFrom, validTo: validTo, member: member, gift: gift)
    }

    init(
        mallTag: UInt32?, groupWide: Bool, keyNumber: UInt32, codeNumber: UInt64, validFrom: UInt32,
        validTo: UInt32, member: String, gift: String
    ) {
        self.mallTag = mallTag
        self.groupWide = groupWide
        self.keyNumber = keyNumber
        self.codeNumber = codeNumber
        self.validFrom = validFrom
        self.validTo = validTo
        self.member = member
        self.gift = gift
    }

    /// `gc-` and 16 hex digits: the code's row key everywhere.
    public var codeID: String { Self.codeID(codeNumber) }
    /// The signing key's id: `m{n}` for a mall's own key, `g{n}` for the
    /// group's, `k{n}` for a version 1 code's. Its `gift_keys` row is
    /// `{mall}:{id}` in each mall that may verify it.
    public var keyID: String { Self.keyID(keyNumber, scope: scope) }

    /// Which keyring signs (and verifies) the code.
    public enum KeyScope: String, Sendable {
        case mall = "m"
        case group = "g"
        /// Version 1 codes: one keyring for every mall.
        case legacy = "k"
    }

    public var scope: KeyScope { mallTag == nil ? .legacy : groupWide ? .group : .mall }

    /// The 4-byte tag a code names its mall by: the first bytes of the
    /// SHA-256 of the mall id (a code has room for 4 bytes, not a name).
    public static func tag(ofMall mall: String) -> UInt32 {
        SHA256.hash(data: Array(mall.utf8)).prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    public static func codeID(_ number: UInt64) -> String {
        let hex = String(number, radix: 16)
        return "gc-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    public static func keyID(_ number: UInt32, scope: KeyScope) -> String { "\(scope.rawValue)\(number)" }

    /// The signed text for a QR code.
    public func signed(with key: Curve25519.Signing.PrivateKey) throws -> String {
        let payload = try self.payload()
        let legacy = mallTag == nil
        let signature = try key.signature(for: (legacy ? Self.legacyDomain : Self.domain) + payload)
        return (legacy ? Self.legacyPrefix : Self.prefix) + Base45.encode(payload + Array(signature))
    }

    func payload() throws(GiftCodeError) -> [UInt8] {
        let memberBytes = Array(member.utf8)
        let giftBytes = Array(gift.utf8)
        guard (1...Self.maxFieldBytes).contains(memberBytes.count), (1...Self.maxFieldBytes).contains(giftBytes.count)
        else { throw .malformed("member and gift must be 1 to \(Self.maxFieldBytes) bytes") }
        guard validFrom < validTo else { throw .malformed("validity ends before it starts") }
        var bytes: [UInt8]
        if let mallTag {
            bytes = [Self.version, groupWide ? 1 : 0] + Self.bigEndian(UInt64(mallTag), bytes: 4)
        } else {
            bytes = [1]
        }
        bytes += Self.bigEndian(UInt64(keyNumber), bytes: 4)
        bytes += Self.bigEndian(codeNumber, bytes: 8)
        bytes += Self.bigEndian(UInt64(validFrom), bytes: 4)
        bytes += Self.bigEndian(UInt64(validTo), bytes: 4)
        bytes += [UInt8(memberBytes.count)] + memberBytes + [UInt8(giftBytes.count)] + giftBytes
        return bytes
    }

    private static func bigEndian(_ value: UInt64, bytes: Int) -> [UInt8] {
        (0..<bytes).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

/// A scanned text taken apart, its signature not yet checked.
public struct ScannedGiftCode: Sendable {
    public var token: GiftToken
    var signedBytes: [UInt8]
    var signature: [UInt8]

    /// Parses what the scanner read. Surrounding whitespace is ignored;
    /// anything else that is not exactly a token is `malformed`.
    public init(_ text: String) throws(GiftCodeError) {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.utf8.count <= GiftToken.maxTextLength else { throw .malformed("longer than any gift code") }
        let legacy = trimmed.hasPrefix(GiftToken.legacyPrefix)
        guard legacy || trimmed.hasPrefix(GiftToken.prefix) else {
            throw .malformed("not a MallEdge gift code (no \(GiftToken.prefix) prefix)")
        }
        let bytes: [UInt8]
        do {
            bytes = try Base45.decode(String(trimmed.dropFirst(GiftToken.prefix.count)))
        } catch {
            throw .malformed("not Base45 text")
        }
        guard bytes.count > 64 else { throw .malformed("too short to carry a signature") }
        let payload = Array(bytes.dropLast(64))
        signature = Array(bytes.suffix(64))
        signedBytes = (legacy ? GiftToken.legacyDomain : GiftToken.domain) + payload
        var reader = ByteReader(payload)
        guard let version = reader.integer(1), version == (legacy ? 1 : UInt64(GiftToken.version)) else {
            throw .malformed("unknown token version")
        }
        var mallTag: UInt32?
        var groupWide = false
        if !legacy {
            guard let flags = reader.integer(1), flags <= 1, let tag = reader.integer(4) else {
                throw .malformed("the payload does not have the token's fields")
            }
            groupWide = flags == 1
            mallTag = UInt32(tag)
        }
        guard let key = reader.integer(4), let code = reader.integer(8), let from = reader.integer(4),
            let to = reader.integer(4), let member = reader.text(), let gift = reader.text(), reader.isAtEnd
        else { throw .malformed("the payload does not have the token's fields") }
        token = GiftToken(
            mallTag: mallTag, groupWide: groupWide, keyNumber: UInt32(key), codeNumber: code,
            validFrom: UInt32(from), validTo: UInt32(to), member: member, gift: gift)
    }

    /// Whether `publicKey` signed exactly this payload.
    public func isSigned(by publicKey: Curve25519.Signing.PublicKey) -> Bool {
        publicKey.isValidSignature(signature, for: signedBytes)
    }
}

/// Reads big-endian fields off a byte string, nil past its end.
private struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func integer(_ count: Int) -> UInt64? {
        guard offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return bytes[offset..<offset + count].reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func text() -> String? {
        guard let length = integer(1), (1...UInt64(GiftToken.maxFieldBytes)).contains(length),
            offset + Int(length) <= bytes.count
        else { return nil }
        defer { offset += Int(length) }
        return String(validating: bytes[offset..<offset + Int(length)], as: UTF8.self)
    }
}

/// Why a gift code cannot be redeemed. `description` is what staff see.
public enum GiftCodeError: Error, Hashable, Sendable {
    case malformed(String)
    /// Issued for another mall and not group-wide (or a version 1 code this
    /// mall never issued).
    case otherMall
    case unknownKey(String)
    case badSignature
    case keyRetired(String)
    case expired(validTo: Int64)
    case notYetValid(validFrom: Int64)
    case revoked(reason: String)
    case alreadyRedeemed(at: Int64, counter: String, here: Bool)
}

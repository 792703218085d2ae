public import Crypto

/// What a gift QR code says: who may take which gift, when, under which key.
///
/// On the wire (documented in `sync-protocol/GIFT-TOKENS.md`): `MG1:` and
/// the Base45 of a payload followed by its 64-byte Ed25519 signature. The
/// payload is version (1 byte, 1), key number (4), code id (8), valid from
/// and valid to (4 each, seconds since 1970), then member and gift as
/// length-prefixed UTF-8 (1 + at most 24 bytes each), all big-endian. The
/// signature covers `MallEdge gift v1` and a zero byte, then the payload, so
/// a signature made for anything else never verifies here.
public struct GiftToken: Hashable, Sendable {
    public static let prefix = "MG1:"
    /// The longest member or gift, in UTF-8 bytes.
    public static let maxFieldBytes = 24
    /// The longest text a token can be: a version 10 QR code holds it in
    /// alphanumeric mode even at error correction level Q (221 characters).
    public static let maxTextLength = 221
    static let version: UInt8 = 1
    static let domain = Array("MallEdge gift v1".utf8) + [0]

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
        keyNumber: UInt32, codeNumber: UInt64, validFrom: UInt32, validTo: UInt32, member: String, gift: String
    ) {
        self.keyNumber = keyNumber
        self.codeNumber = codeNumber
        self.validFrom = validFrom
        self.validTo = validTo
        self.member = member
        self.gift = gift
    }

    /// `gc-` and 16 hex digits: the code's row key everywhere.
    public var codeID: String { Self.codeID(codeNumber) }
    /// `k` and the key number: the key's row key in `gift_keys`.
    public var keyID: String { Self.keyID(keyNumber) }

    public static func codeID(_ number: UInt64) -> String {
        let hex = String(number, radix: 16)
        return "gc-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    public static func keyID(_ number: UInt32) -> String { "k\(number)" }

    /// The signed text for a QR code.
    public func signed(with key: Curve25519.Signing.PrivateKey) throws -> String {
        let payload = try self.payload()
        let signature = try key.signature(for: Self.domain + payload)
        return Self.prefix + Base45.encode(payload + Array(signature))
    }

    func payload() throws(GiftCodeError) -> [UInt8] {
        let memberBytes = Array(member.utf8)
        let giftBytes = Array(gift.utf8)
        guard (1...Self.maxFieldBytes).contains(memberBytes.count), (1...Self.maxFieldBytes).contains(giftBytes.count)
        else { throw .malformed("member and gift must be 1 to \(Self.maxFieldBytes) bytes") }
        guard validFrom < validTo else { throw .malformed("validity ends before it starts") }
        var bytes: [UInt8] = [Self.version]
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
        guard trimmed.hasPrefix(GiftToken.prefix) else { throw .malformed("not a MallEdge gift code (no MG1: prefix)") }
        let bytes: [UInt8]
        do {
            bytes = try Base45.decode(String(trimmed.dropFirst(GiftToken.prefix.count)))
        } catch {
            throw .malformed("not Base45 text")
        }
        guard bytes.count > 64 else { throw .malformed("too short to carry a signature") }
        let payload = Array(bytes.dropLast(64))
        signature = Array(bytes.suffix(64))
        signedBytes = GiftToken.domain + payload
        var reader = ByteReader(payload)
        guard let version = reader.integer(1), version == UInt64(GiftToken.version) else {
            throw .malformed("unknown token version")
        }
        guard let key = reader.integer(4), let code = reader.integer(8), let from = reader.integer(4),
            let to = reader.integer(4), let member = reader.text(), let gift = reader.text(), reader.isAtEnd
        else { throw .malformed("the payload does not have the token's fields") }
        token = GiftToken(
            keyNumber: UInt32(key), codeNumber: code, validFrom: UInt32(from), validTo: UInt32(to), member: member,
            gift: gift)
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
    case unknownKey(String)
    case badSignature
    case keyRetired(String)
    case expired(validTo: Int64)
    case notYetValid(validFrom: Int64)
    case revoked(reason: String)
    case alreadyRedeemed(at: Int64, counter: String, here: Bool)
}

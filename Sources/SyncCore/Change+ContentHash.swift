import Crypto

extension Change {
    /// A 64-bit digest of what the change says, as 16 hex digits: its origin,
    /// clock, row, operation and columns, but not its epoch and sequence.
    ///
    /// The hub keeps it beside each logged change and acks carry it, so a change
    /// id that a rolled-back disk reused for different content is detected
    /// instead of being taken for a duplicate; and since the id is left out, a
    /// change the node renumbered into a new epoch (and then forgot it had, on
    /// a disk that lost the renumbering) is still known as the same change.
    ///
    /// The canonical string (SPEC §4.1) is written as UTF-8 bytes into one
    /// buffer: every change is hashed where it is made, where the hub takes
    /// it and where its node sees it come back, and building it as a growing
    /// `String` cost twice the SHA-256.
    public var contentHash: String {
        let unit = UInt8(0x1F)
        var canonical: [UInt8] = []
        canonical.reserveCapacity(96 + columns.count * 32)
        canonical.append(contentsOf: id.origin.utf8)
        for field in [String(hlc.wallMillis), String(hlc.counter), table, key, channel.name, op.rawValue] {
            canonical.append(unit)
            canonical.append(contentsOf: field.utf8)
        }
        for (name, value) in columns.sorted(by: { $0.key < $1.key }) {
            canonical.append(0x1E)
            canonical.append(contentsOf: name.utf8)
            canonical.append(unit)
            switch value {
            case .null: canonical.append(UInt8(ascii: "n"))
            case .int(let v):
                canonical.append(UInt8(ascii: "i"))
                canonical.append(contentsOf: String(v).utf8)
            case .text(let v):
                canonical.append(UInt8(ascii: "t"))
                canonical.append(contentsOf: v.utf8)
            }
        }
        return Digest64.hex(of: canonical)
    }
}

/// Truncated SHA-256, used where a short, stable, cross-language digest is enough.
public enum Digest64 {
    public static func hex(of bytes: [UInt8]) -> String {
        lowercaseHex(Array(SHA256.hash(data: bytes)).prefix(8))
    }

    public static func fullHex(of bytes: [UInt8]) -> String {
        lowercaseHex(Array(SHA256.hash(data: bytes)))
    }

    /// Two lowercase hex digits per byte, written straight into the string's
    /// storage: every change is hashed where it is made and where the hub
    /// takes it, and a string per byte joined afterwards cost more than the
    /// SHA-256 itself.
    static func lowercaseHex(_ bytes: some Collection<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            var index = 0
            for byte in bytes {
                buffer[index] = hexDigit(byte >> 4)
                buffer[index + 1] = hexDigit(byte & 0x0F)
                index += 2
            }
            return index
        }
    }

    /// Whether `text` is `digits` lowercase hex digits, as `hex(of:)` and
    /// `fullHex(of:)` write them: how a digest from the wire is checked.
    public static func isLowercaseHex(_ text: String, digits: Int) -> Bool {
        text.utf8.count == digits && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

/// The running digest of one epoch's changes: `chain(n) = digest(chain(n-1) +
/// contentHash(n))`, with `chain(0)` empty.
///
/// Acks carry it, so an ack proves the hub holds the very changes 1...n the
/// node holds, not just a change n with the same content: after a disk
/// rollback reuses an epoch, the hub may hold other changes under ids
/// 1...n-1, and a cumulative ack must not prune those.
public enum SequenceChain {
    public static func next(after previous: String, contentHash: String) -> String {
        Digest64.hex(of: Array((previous + contentHash).utf8))
    }

    /// 16 lowercase hex digits: the chain at seq 1 or later.
    public static func isWellFormed(_ chain: String) -> Bool { Digest64.isLowercaseHex(chain, digits: 16) }
}

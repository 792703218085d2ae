import Crypto

extension Change {
    /// A 64-bit digest of everything the change says, as 16 hex digits.
    ///
    /// The hub keeps it beside each logged change and acks carry it, so a change
    /// id that a rolled-back disk reused for different content is detected
    /// instead of being taken for a duplicate.
    public var contentHash: String {
        var canonical = "\(id.origin)\u{1F}\(id.epoch)\u{1F}\(id.seq)\u{1F}\(hlc.wallMillis)\u{1F}\(hlc.counter)"
        canonical += "\u{1F}\(table)\u{1F}\(key)\u{1F}\(channel)\u{1F}\(op.rawValue)"
        for name in columns.keys.sorted() {
            canonical += "\u{1E}\(name)\u{1F}"
            switch columns[name]! {
            case .null: canonical += "n"
            case .int(let v): canonical += "i\(v)"
            case .text(let v): canonical += "t\(v)"
            }
        }
        return Digest64.hex(of: Array(canonical.utf8))
    }
}

/// Truncated SHA-256, used where a short, stable, cross-language digest is enough.
public enum Digest64 {
    public static func hex(of bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        return digest.prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    public static func fullHex(of bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// Base45 (RFC 9285): bytes as text in the 45 characters of a QR code's
/// alphanumeric mode, which packs 5.5 bits per character where byte mode
/// packs 8 bits per byte of base64: the denser QR code for the same token.
public enum Base45 {
    public static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)
    private static let values: [UInt8: Int] = Dictionary(
        uniqueKeysWithValues: alphabet.enumerated().map { ($1, $0) })

    public enum DecodingError: Error, Hashable, Sendable {
        /// A character outside the alphabet, at this offset.
        case invalidCharacter(offset: Int)
        /// A length of 3n+1, which no byte string encodes to.
        case invalidLength
        /// A group whose value is more than its bytes can hold.
        case overflow(offset: Int)
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 1) / 2 * 3)
        var index = 0
        while index + 1 < bytes.count {
            var value = Int(bytes[index]) * 256 + Int(bytes[index + 1])
            for _ in 0..<3 {
                output.append(alphabet[value % 45])
                value /= 45
            }
            index += 2
        }
        if index < bytes.count {
            let value = Int(bytes[index])
            output.append(alphabet[value % 45])
            output.append(alphabet[value / 45])
        }
        return String(decoding: output, as: UTF8.self)
    }

    public static func decode(_ text: String) throws(DecodingError) -> [UInt8] {
        let characters = Array(text.utf8)
        guard characters.count % 3 != 1 else { throw .invalidLength }
        var digits: [Int] = []
        digits.reserveCapacity(characters.count)
        for (offset, character) in characters.enumerated() {
            guard let value = values[character] else { throw .invalidCharacter(offset: offset) }
            digits.append(value)
        }
        var bytes: [UInt8] = []
        var index = 0
        while index + 2 < digits.count {
            let value = digits[index] + digits[index + 1] * 45 + digits[index + 2] * 45 * 45
            guard value <= 0xFFFF else { throw .overflow(offset: index) }
            bytes.append(UInt8(value >> 8))
            bytes.append(UInt8(value & 0xFF))
            index += 3
        }
        if index < digits.count {
            let value = digits[index] + digits[index + 1] * 45
            guard value <= 0xFF else { throw .overflow(offset: index) }
            bytes.append(UInt8(value))
        }
        return bytes
    }
}

/// A string of at most nine characters of the plate alphabet (digits, Latin
/// capitals and the Hanzi a plate may carry), seven bits a character in one
/// integer. The `PlateIndex` files a car park's plates and their deletions
/// under these: one is hashed and compared as a single word, where a
/// `String` holding a Hanzi is normalised to NFC on every hash, which was
/// most of a gate's time reloading a book of a million reservations.
///
/// The first character sits in the lowest seven bits. No character's code is
/// zero, so strings of different lengths never share bits, and a read's
/// character outside the alphabet packs as `unknown`, a code no plate holds.
struct PackedPlate: Hashable, Sendable {
    let bits: UInt64

    static let maxLength = 9
    static let unknown: UInt64 = 0x7F

    /// `nil` when `text` is longer than `maxLength` or holds a scalar outside the alphabet.
    init?(_ text: String) {
        var bits: UInt64 = 0
        var length = 0
        for scalar in text.unicodeScalars {
            guard length < Self.maxLength, let code = PlateAlphabet.code(of: scalar) else { return nil }
            bits |= code << (7 * length)
            length += 1
        }
        self.bits = bits
    }

    /// A read's characters, those outside the alphabet (or made of several
    /// scalars) as `unknown`; `nil` when there are more than `maxLength`.
    init?(codesOf characters: [Character]) {
        guard characters.count <= Self.maxLength else { return nil }
        var bits: UInt64 = 0
        for (position, character) in characters.enumerated() {
            let scalars = character.unicodeScalars
            let code = scalars.count == 1 ? PlateAlphabet.code(of: scalars.first!) : nil
            bits |= (code ?? Self.unknown) << (7 * position)
        }
        self.bits = bits
    }

    init(bits: UInt64) {
        self.bits = bits
    }

    var count: Int { (UInt64.bitWidth - bits.leadingZeroBitCount + 6) / 7 }

    func code(at position: Int) -> UInt64 { (bits >> (7 * position)) & 0x7F }

    /// The strings left by deleting one character, once each: deleting any
    /// character of a run of equal ones leaves the same string.
    var deletions: [PackedPlate] {
        (0..<count).compactMap { position in
            guard position == 0 || code(at: position) != code(at: position - 1) else { return nil }
            let below = bits & ((1 << (7 * position)) - 1)
            let above = bits >> (7 * (position + 1))
            return PackedPlate(bits: below | (above << (7 * position)))
        }
    }

    /// The characters back; `unknown` never reaches here (only reads hold it, and reads are not stored).
    var text: String {
        var scalars = String.UnicodeScalarView()
        for position in 0..<count { scalars.append(PlateAlphabet.scalars[Int(code(at: position)) - 1]) }
        return String(scalars)
    }
}

/// The characters a canonical plate is made of, numbered from 1.
enum PlateAlphabet {
    static let scalars: [Unicode.Scalar] =
        (0x30...0x39).map { Unicode.Scalar(UInt8($0)) } + (0x41...0x5A).map { Unicode.Scalar(UInt8($0)) }
        + hanzi
    private static let hanzi: [Unicode.Scalar] = PlateNormalizer.plateHanzi.map { $0.unicodeScalars.first! }.sorted()

    static func code(of scalar: Unicode.Scalar) -> UInt64? {
        switch scalar.value {
        case 0x30...0x39: return UInt64(scalar.value - 0x30 + 1)
        case 0x41...0x5A: return UInt64(scalar.value - 0x41 + 11)
        default:
            var low = 0
            var high = hanzi.count
            while low < high {
                let middle = (low + high) / 2
                if hanzi[middle] < scalar { low = middle + 1 } else { high = middle }
            }
            guard low < hanzi.count, hanzi[low] == scalar else { return nil }
            return UInt64(37 + low)
        }
    }
}

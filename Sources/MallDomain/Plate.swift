/// A Chinese licence plate after normalisation, beside the read it came from.
///
/// Gate passages keep both: `raw` is evidence of what the camera saw,
/// `text` is what reservations are matched against.
public struct Plate: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        /// Province, issuing letter, five serial characters: `皖A12345`.
        case ordinary
        /// New-energy, eight characters: `沪AD12345` (small) or `沪A12345D` (large).
        case newEnergy = "new-energy"
        /// Four serial characters and a suffix: `粤B1234港`, `京A1234警`, `鲁B1234学`, `苏E1234挂`, `粤Z1234澳`, `京A1234领`.
        case suffixed
        /// Embassy: `使` and six digits.
        case embassy
    }

    public let raw: String
    public let text: String
    public let kind: Kind

    /// The province character (`使` for embassy plates).
    public var province: Character { text.first! }
}

/// Why a read is not a plate. Each names the position (in the read as
/// normalised so far) where that helps the operator.
public enum PlateError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    /// A letter or digit from another script that looks like a Latin one
    /// (Cyrillic `А`, Greek `Β`): never silently mapped, since a forged or
    /// garbled read must not match a reservation.
    case foreignScript(Character, position: Int)
    case unexpectedCharacter(Character, position: Int)
    case unknownProvince(Character)
    case wrongLength(Int)
    case notAPlateFormat(String)

    public var description: String {
        switch self {
        case .empty: "empty read"
        case .foreignScript(let character, let position):
            "character \(position + 1) (U+\(Self.hex(character))) is from another script, not a plate letter"
        case .unexpectedCharacter(let character, let position):
            "character \(position + 1) (U+\(Self.hex(character))) cannot appear on a plate"
        case .unknownProvince(let character): "\(character) is not a province abbreviation"
        case .wrongLength(let length): "\(length) characters: plates have 7 or 8"
        case .notAPlateFormat(let text): "\(text) matches no plate format"
        }
    }

    private static func hex(_ character: Character) -> String {
        character.unicodeScalars.map { String($0.value, radix: 16, uppercase: true) }.joined(separator: "+")
    }
}

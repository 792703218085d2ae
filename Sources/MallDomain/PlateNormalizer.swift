/// Turns what an ANPR camera (or a person) typed into a canonical plate, or
/// says why it is not one. Pure: no I/O, no locale.
///
/// Steps, in order: full-width forms to ASCII (`Ａ１` to `A1`); removal of separators (spaces, `·` and its look-alikes, dots,
/// dashes); Latin letters to upper case; traditional province and suffix
/// characters to simplified (`滬` to `沪`, `學` to `学`); refusal of letters
/// and digits from other scripts; then validation against the plate formats
/// (`Plate.Kind`). Serial characters never include `I` or `O`.
public enum PlateNormalizer {
    public static func normalize(_ raw: String) throws(PlateError) -> Plate {
        // A read already canonical (every plate a book files from the hub's
        // rows) is its own text: its scalars are classified as they are,
        // with no characters built and no new string.
        let scalars = Array(raw.unicodeScalars)
        if scalars.allSatisfy(isCanonical) {
            return Plate(raw: raw, text: raw, kind: try kind(of: scalars, text: raw))
        }
        let cleaned = try cleanScalars(raw)
        var text = ""
        text.unicodeScalars.append(contentsOf: cleaned)
        return Plate(raw: raw, text: text, kind: try kind(of: cleaned, text: text))
    }

    /// The read's characters after every step but format validation: what
    /// fuzzy matching compares when a misread broke the format (`I` for `1`).
    public static func clean(_ raw: String) throws(PlateError) -> [Character] {
        try cleanScalars(raw).map(Character.init)
    }

    /// `clean` as scalars: each character it keeps is one scalar, an ASCII
    /// capital or digit or a plate Hanzi (`isCanonical`).
    static func cleanScalars(_ raw: String) throws(PlateError) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(8)
        for scalar in raw.unicodeScalars {
            // ASCII letters and digits, nearly every character of a plate,
            // go straight through: no step below changes them but the case.
            if let ascii = UInt8(exactly: scalar.value), ascii.isASCIILetterOrDigit {
                scalars.append(Unicode.Scalar(ascii >= 0x61 ? ascii - 0x20 : ascii))
                continue
            }
            // So do the Hanzi plates carry: none is a separator or a traditional form.
            if plateHanziScalars.contains(scalar) {
                scalars.append(scalar)
                continue
            }
            let mapped = halfWidth(scalar)
            if separators.contains(mapped) || mapped.properties.isWhitespace { continue }
            let character = Character(simplified[mapped] ?? mapped)
            guard let ascii = character.asciiValue else {
                // A compatibility ideograph (U+FA75 for 冀) is the plate
                // Hanzi it is canonically equivalent to, spelled as plates are.
                if let hanzi = plateHanzi.firstIndex(of: character) {
                    scalars.append(plateHanzi[hanzi].unicodeScalars.first!)
                    continue
                }
                if (mapped.properties.isAlphabetic && !isHan(mapped)) || mapped.properties.numericType != nil {
                    throw .foreignScript(character, position: scalars.count)
                }
                throw .unexpectedCharacter(character, position: scalars.count)
            }
            guard ascii.isASCIILetterOrDigit else { throw .unexpectedCharacter(character, position: scalars.count) }
            scalars.append(Unicode.Scalar(ascii >= 0x61 ? ascii - 0x20 : ascii))
        }
        return scalars
    }

    /// Whether `scalar` stands on a plate as it is: an ASCII capital or
    /// digit, or one of the plate Hanzi.
    static func isCanonical(_ scalar: Unicode.Scalar) -> Bool {
        isDigit(scalar) || isCapital(scalar) || plateHanziScalars.contains(scalar)
    }

    /// The plate format `scalars` (what `cleanScalars` leaves, spelled
    /// `text`) follow, if any.
    static func kind(of scalars: [Unicode.Scalar], text: String) throws(PlateError) -> Plate.Kind {
        guard !scalars.isEmpty else { throw .empty }
        guard scalars.count == 7 || scalars.count == 8 else { throw .wrongLength(scalars.count) }
        let head = scalars[0]
        if head == "使" {
            guard scalars.count == 7, scalars.dropFirst().allSatisfy(isDigit) else { throw .notAPlateFormat(text) }
            return .embassy
        }
        guard provinceScalars.contains(head) else { throw .unknownProvince(Character(head)) }
        guard isCapital(scalars[1]) else { throw .notAPlateFormat(text) }
        // The serial: scalars 2 and on.
        switch scalars.count {
        case 7 where scalars[2...].allSatisfy(isSerial):
            return .ordinary
        case 7 where scalars[2...5].allSatisfy(isSerial) && suffixScalars.contains(scalars[6]):
            return .suffixed
        case 8 where isNewEnergyMark(scalars[2]) && isSerial(scalars[3]) && scalars[4...].allSatisfy(isDigit):
            return .newEnergy
        case 8 where scalars[2...6].allSatisfy(isDigit) && isNewEnergyMark(scalars[7]):
            return .newEnergy
        default:
            throw .notAPlateFormat(text)
        }
    }

    // MARK: Tables

    /// The 31 provincial abbreviations of mainland plates.
    public static let provinces: Set<Character> = Set("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
    /// Suffixes of special plates: police, learner, trailer, Hong Kong, Macau, consulate.
    public static let suffixes: Set<Character> = Set("警学挂港澳领")
    static let plateHanzi = provinces.union(suffixes).union(["使"])

    /// The sets above as scalars, for the checks on every plate a gate
    /// reads or files: a `Set<Character>` hashes a Hanzi through NFC
    /// normalisation, a `Set<Unicode.Scalar>` hashes a number.
    private static let provinceScalars = Set(provinces.flatMap(\.unicodeScalars))
    private static let suffixScalars = Set(suffixes.flatMap(\.unicodeScalars))
    private static let plateHanziScalars = Set(plateHanzi.flatMap(\.unicodeScalars))

    static func isProvince(_ character: Character) -> Bool {
        character.onlyScalar.map(provinceScalars.contains) ?? false
    }
    static func isSuffix(_ character: Character) -> Bool {
        character.onlyScalar.map(suffixScalars.contains) ?? false
    }
    static func isPlateHanzi(_ character: Character) -> Bool {
        character.onlyScalar.map(plateHanziScalars.contains) ?? false
    }

    /// Traditional forms seen on reads and typed by staff, to the simplified ones plates carry.
    static let simplified: [Unicode.Scalar: Unicode.Scalar] = {
        let pairs: [(Character, Character)] = [
            ("滬", "沪"), ("遼", "辽"), ("魯", "鲁"), ("蘇", "苏"), ("贛", "赣"), ("晉", "晋"), ("陝", "陕"),
            ("閩", "闽"), ("貴", "贵"), ("粵", "粤"), ("寧", "宁"), ("瓊", "琼"), ("雲", "云"), ("學", "学"),
            ("掛", "挂"), ("領", "领"),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.map { ($0.0.unicodeScalars.first!, $0.1.unicodeScalars.first!) })
    }()

    /// Separators cameras and people put between plate characters, with
    /// their look-alikes: middle dots, bullets, dots, dashes, underscores.
    static let separators: Set<Unicode.Scalar> = Set(
        [
            "\u{00B7}", "\u{2022}", "\u{2027}", "\u{2219}", "\u{22C5}", "\u{30FB}", "\u{FF65}", "\u{0387}", "\u{16EB}",
            ".", "\u{3002}", "\u{FF61}", "-", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2212}",
            "\u{FE63}", "_",
        ].map { Unicode.Scalar($0)! })

    /// Full-width ASCII (U+FF01–FF5E) to ASCII and the ideographic space to a
    /// space: the compatibility forms cameras and IMEs produce on plates.
    static func halfWidth(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if (0xFF01...0xFF5E).contains(scalar.value) { return Unicode.Scalar(scalar.value - 0xFEE0)! }
        if scalar.value == 0x3000 { return " " }
        return scalar
    }

    /// Whether a plate like `plate` (its length and its first character)
    /// can carry `character` at `position`: no serial holds I or O, an
    /// issuing letter is never a digit (except after 使), and a Hanzi stands
    /// only first or, as a suffix, last. Looser than `normalize` (the
    /// new-energy layout is not checked): it judges one character of a read
    /// that may be wrong elsewhere.
    public static func canHold(_ character: Character, at position: Int, of plate: [Character]) -> Bool {
        switch position {
        case 0: return isProvince(character) || character == "使"
        case 1: return plate.first == "使" ? character.isASCIIDigit : character.isASCIIUppercase
        case plate.count - 1 where isSuffix(character): return true
        default: return isSerial(character)
        }
    }

    static func isSerial(_ character: Character) -> Bool {
        character.onlyScalar.map(isSerial) ?? false
    }
    static func isSerial(_ scalar: Unicode.Scalar) -> Bool {
        isDigit(scalar) || (isCapital(scalar) && scalar != "I" && scalar != "O")
    }
    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
    static func isCapital(_ scalar: Unicode.Scalar) -> Bool { ("A"..."Z").contains(scalar) }
    /// `D` (battery) or `F` (hybrid): where a new-energy plate says which it is.
    static func isNewEnergyMark(_ scalar: Unicode.Scalar) -> Bool { scalar == "D" || scalar == "F" }

    static func isHan(_ scalar: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value)
    }
}

extension UInt8 {
    fileprivate var isASCIILetterOrDigit: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A)
    }
}

extension Character {
    /// The character's scalar when it is made of one.
    fileprivate var onlyScalar: Unicode.Scalar? {
        var scalars = unicodeScalars.makeIterator()
        guard let first = scalars.next(), scalars.next() == nil else { return nil }
        return first
    }

    var isASCIIDigit: Bool { asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
    var isASCIIUppercase: Bool { asciiValue.map { $0 >= 0x41 && $0 <= 0x5A } ?? false }
}

/// Matches what a gate camera read against the plates of active
/// reservations, and decides whether that match is safe to admit on.
///
/// Rules, in order: the read exactly; else the camera's alternative
/// candidates exactly; else one substitution within an OCR confusion class
/// at a serial position (never the province or issuing letter, never a
/// length change), only at a character the camera was unsure of, and only
/// when exactly one reservation matches that way. A read close to a
/// reservation but not safe is `refer` with the close plates as
/// suggestions; a read close to nothing is `deny`.
public struct PlateMatcher: Sendable {
    /// - `minimumConfidence`: below it nothing is admitted automatically (default 0.5).
    /// - `weakCharacterConfidence`: with per-character confidences, the substituted
    ///   character must be the weakest and below this (default 0.7) …
    /// - `strongCharacterConfidence`: … while every other character is at least this (default 0.9).
    /// - `fuzzyOverallConfidence`: without per-character confidences, a fuzzy match
    ///   needs the read's overall confidence at least this (default 0.9).
    public struct Configuration: Hashable, Sendable {
        public var minimumConfidence: Double
        public var weakCharacterConfidence: Double
        public var strongCharacterConfidence: Double
        public var fuzzyOverallConfidence: Double

        public init(
            minimumConfidence: Double = 0.5, weakCharacterConfidence: Double = 0.7,
            strongCharacterConfidence: Double = 0.9, fuzzyOverallConfidence: Double = 0.9
        ) {
            self.minimumConfidence = minimumConfidence
            self.weakCharacterConfidence = weakCharacterConfidence
            self.strongCharacterConfidence = strongCharacterConfidence
            self.fuzzyOverallConfidence = fuzzyOverallConfidence
        }
    }

    /// What the camera reported.
    public struct Read: Hashable, Sendable {
        public var text: String
        public var confidence: Double
        public var characterConfidences: [Double]?
        public var alternatives: [String]

        public init(
            text: String, confidence: Double, characterConfidences: [Double]? = nil, alternatives: [String] = []
        ) {
            self.text = text
            self.confidence = confidence
            self.characterConfidences = characterConfidences
            self.alternatives = alternatives
        }
    }

    public enum Rule: Hashable, Sendable {
        case exact
        case alternative(String)
        /// One confusable character at `position` (0-based) read as `read`, reserved as `reserved`.
        case confusion(position: Int, read: Character, reserved: Character)
    }

    public enum Outcome: Hashable, Sendable {
        case match(plate: String, rule: Rule)
        case refer(Reason, suggestions: [String])
        case noMatch

        public enum Reason: String, Hashable, Sendable {
            case lowConfidence = "low confidence"
            case ambiguous
            case unsafeFuzzyMatch = "close to a reservation but not safe to admit"
        }
    }

    /// OCR confusion classes: characters a camera mistakes for one another.
    public static let confusionClasses: [Set<Character>] = [
        ["0", "D", "Q", "O"], ["8", "B"], ["1", "I"], ["2", "Z"], ["5", "S"], ["6", "G"], ["A", "4"],
    ]

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// `reserved`: the normalised plates of the active reservations.
    public func match(_ read: Read, against reserved: some PlateSet) -> Outcome {
        let cleaned = (try? PlateNormalizer.clean(read.text)).map { String($0) }
        let alternatives = read.alternatives.compactMap { try? PlateNormalizer.normalize($0).text }
        // Only reads that end up referred or denied need the close plates.
        func close() -> [String] { closePlates(to: [cleaned].compactMap { $0 } + alternatives, in: reserved) }
        guard read.confidence >= configuration.minimumConfidence else {
            let exact = cleaned.map { reserved.contains($0) ? [$0] : [] } ?? []
            return .refer(.lowConfidence, suggestions: Array(Set(exact + close())).sorted())
        }
        if let cleaned, reserved.contains(cleaned) { return .match(plate: cleaned, rule: .exact) }
        let alternativeHits = Set(alternatives.filter(reserved.contains))
        if alternativeHits.count == 1, let plate = alternativeHits.first {
            return .match(plate: plate, rule: .alternative(plate))
        }
        if alternativeHits.count > 1 { return .refer(.ambiguous, suggestions: alternativeHits.sorted()) }
        guard let cleaned else { return Self.unsafeOrNoMatch(close()) }
        let confusable = reserved.plates(oneEditFrom: cleaned).compactMap { plate in
            confusion(between: cleaned, and: plate).map { (plate, $0) }
        }
        if confusable.count == 1, let (plate, rule) = confusable.first, isSafe(rule, read, length: cleaned.count) {
            return .match(plate: plate, rule: rule)
        }
        if confusable.count > 1 { return .refer(.ambiguous, suggestions: confusable.map(\.0).sorted()) }
        return Self.unsafeOrNoMatch(close())
    }

    private static func unsafeOrNoMatch(_ close: [String]) -> Outcome {
        close.isEmpty ? .noMatch : .refer(.unsafeFuzzyMatch, suggestions: close)
    }

    /// The single confusable substitution turning `read` into `plate`, if that is all that differs.
    func confusion(between read: String, and plate: String) -> Rule? {
        let (a, b) = (Array(read), Array(plate))
        guard a.count == b.count else { return nil }
        let differing = a.indices.filter { a[$0] != b[$0] }
        guard differing.count == 1, let position = differing.first, position >= 2,
            Self.confusionClasses.contains(where: { $0.contains(a[position]) && $0.contains(b[position]) })
        else { return nil }
        return .confusion(position: position, read: a[position], reserved: b[position])
    }

    /// A substitution is safe only at the character the camera doubted.
    /// Per-character confidences count the read's characters after cleaning.
    func isSafe(_ rule: Rule, _ read: Read, length: Int) -> Bool {
        guard case .confusion(let position, _, _) = rule else { return true }
        guard let confidences = read.characterConfidences else {
            return read.confidence >= configuration.fuzzyOverallConfidence
        }
        guard confidences.count == length, position < confidences.count else { return false }
        let weakest = confidences[position]
        let others = confidences.indices.filter { $0 != position }.map { confidences[$0] }
        return weakest < configuration.weakCharacterConfidence
            && others.allSatisfy { $0 >= configuration.strongCharacterConfidence && $0 > weakest }
    }

    /// Reserved plates one edit away from any of `reads` (substitution,
    /// insertion or deletion anywhere): what staff are shown when referred.
    func closePlates(to reads: [String], in reserved: some PlateSet) -> [String] {
        Set(reads.flatMap { reserved.plates(oneEditFrom: $0) }).sorted()
    }
}

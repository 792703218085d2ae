/// How often a gate's camera writes one character for another: the table
/// the plate matcher weighs a near-miss read with, and the error model
/// `plate-quality` draws misreads from.
///
/// It is data, not code: a mall fits it to its own cameras (counts of
/// reads against the plates staff confirmed) and names the file in the
/// gate's configuration (`gate.confusion_model_file`, JSON, see
/// `init(json:)`). `standard` is the documented default.
public struct ConfusionModel: Hashable, Sendable {
    /// The camera wrote `read` where the plate carries `truth`, at `rate`
    /// per occurrence of `truth` on a plate.
    public struct Confusion: Hashable, Sendable {
        public var truth: Character
        public var read: Character
        public var rate: Double

        public init(truth: Character, read: Character, rate: Double) {
            self.truth = truth
            self.read = read
            self.rate = rate
        }
    }

    /// In the order given.
    public let confusions: [Confusion]
    /// The rate of every substitution the table does not list, between two
    /// characters of one alphabet (plate Hanzi, or Latin letters and digits).
    public let otherRate: Double
    /// How common each character is on plates, relative to the others of
    /// its alphabet (1 where not given): a weak `8` is more often a `6`
    /// than a `B` partly because serials hold far more digits than letters.
    public let weights: [Character: Double]
    /// Weights for one position of the plate (0-based), in place of
    /// `weights` for the characters given: the first serial character is
    /// a letter far more often than the fourth.
    public let positionWeights: [Int: [Character: Double]]
    private let rates: [Pair: Double]

    public init(
        confusions: [Confusion], otherRate: Double, weights: [Character: Double] = [:],
        positionWeights: [Int: [Character: Double]] = [:]
    ) throws(ConfusionModelError) {
        guard otherRate.isFinite, (0...0.01).contains(otherRate) else {
            throw ConfusionModelError("otherRate", "a rate from 0 to 0.01 (substitutions the table does not list)")
        }
        guard confusions.count <= 4096 else { throw ConfusionModelError("confusions", "at most 4096 entries") }
        var rates: [Pair: Double] = [:]
        var listedInto: [Character: (sum: Double, count: Int)] = [:]
        var ratesOut: [Character: Double] = [:]
        for (index, confusion) in confusions.enumerated() {
            let field = "confusions[\(index)]"
            guard let alphabet = Self.alphabet(of: confusion.truth), alphabet == Self.alphabet(of: confusion.read)
            else {
                throw ConfusionModelError(field, "truth and read must both be plate letters/digits or both plate Hanzi")
            }
            guard confusion.truth != confusion.read else {
                throw ConfusionModelError(field, "truth and read are the same")
            }
            guard confusion.rate.isFinite, confusion.rate > 0, confusion.rate < 1 else {
                throw ConfusionModelError("\(field).rate", "a rate above 0 and below 1")
            }
            let key = Pair(truth: confusion.truth, read: confusion.read)
            guard rates[key] == nil else {
                throw ConfusionModelError(field, "\(confusion.truth) read as \(confusion.read) is listed twice")
            }
            rates[key] = confusion.rate
            listedInto[confusion.read, default: (0, 0)].sum += confusion.rate
            listedInto[confusion.read, default: (0, 0)].count += 1
            ratesOut[confusion.truth, default: 0] += confusion.rate
            guard ratesOut[confusion.truth]! < 1 else {
                throw ConfusionModelError(field, "the rates at which \(confusion.truth) is misread add up to 1 or more")
            }
        }
        try Self.check(weights, "weights")
        for (position, weights) in positionWeights.sorted(by: { $0.key < $1.key }) {
            guard (0..<Self.longestPlate).contains(position) else {
                throw ConfusionModelError(
                    "positionWeights.\(position)", "a position from 0 to \(Self.longestPlate - 1)")
            }
            try Self.check(weights, "positionWeights.\(position)")
        }
        self.confusions = confusions
        self.otherRate = otherRate
        self.weights = weights
        self.positionWeights = positionWeights
        self.rates = rates
    }

    /// Plates hold 7 or 8 characters.
    static let longestPlate = 8

    private static func check(_ weights: [Character: Double], _ field: String) throws(ConfusionModelError) {
        for (character, weight) in weights.sorted(by: { $0.key < $1.key }) {
            guard Self.alphabet(of: character) != nil else {
                throw ConfusionModelError("\(field).\(character)", "not a plate character")
            }
            guard weight.isFinite, weight > 0, weight <= 1000 else {
                throw ConfusionModelError("\(field).\(character)", "a weight above 0, at most 1000")
            }
        }
    }

    /// How often `truth` is read as `read`: the listed rate, `otherRate`
    /// within one alphabet, else 0 (a digit is never read as a Hanzi).
    public func rate(truth: Character, read: Character) -> Double {
        guard truth != read else { return 0 }
        if let listed = rates[Pair(truth: truth, read: read)] { return listed }
        guard let alphabet = Self.alphabet(of: truth), alphabet == Self.alphabet(of: read) else { return 0 }
        return otherRate
    }

    /// Given that the camera wrote `read` at `position` of `plate` and was
    /// wrong, the chance the plate carries `truth` there: the share of
    /// `truth` among the characters read as `read`, each weighted by how
    /// common it is at that position. Only characters a plate can carry
    /// there count (`PlateNormalizer.canHold`): a weak `G` as the issuing
    /// letter is most likely a `C`, though in a serial it is most likely a `6`.
    public func share(of truth: Character, whenWrongAbout read: Character, at position: Int, of plate: [Character])
        -> Double
    {
        guard PlateNormalizer.canHold(truth, at: position, of: plate) else { return 0 }
        let into = ratesInto(read, at: position, of: plate)
        return into > 0 ? rate(truth: truth, read: read) * weight(of: truth, at: position) / into : 0
    }

    /// Every character `read` at `position` of `plate` may be in truth, with
    /// its share as `share(of:whenWrongAbout:at:of:)` gives it: a camera's
    /// candidates for that position.
    public func shares(whenWrongAbout read: Character, at position: Int, of plate: [Character]) -> [(
        truth: Character, share: Double
    )] {
        let into = ratesInto(read, at: position, of: plate)
        guard into > 0 else { return [] }
        return Self.alphabet(like: read).compactMap { truth in
            guard PlateNormalizer.canHold(truth, at: position, of: plate) else { return nil }
            let share = rate(truth: truth, read: read) * weight(of: truth, at: position) / into
            return share > 0 ? (truth, share) : nil
        }
    }

    /// The weighted rate at which any character a plate can carry at
    /// `position` is read as `read`.
    private func ratesInto(_ read: Character, at position: Int, of plate: [Character]) -> Double {
        Self.alphabet(like: read).reduce(0) { sum, truth in
            PlateNormalizer.canHold(truth, at: position, of: plate)
                ? sum + rate(truth: truth, read: read) * weight(of: truth, at: position) : sum
        }
    }

    /// How common `character` is at `position`, relative to the others of its alphabet.
    public func weight(of character: Character, at position: Int) -> Double {
        positionWeights[position]?[character] ?? weights[character] ?? 1
    }

    /// The listed ways `truth` is misread, for drawing misreads.
    public func misreads(of truth: Character) -> [Confusion] {
        confusions.filter { $0.truth == truth }
    }

    /// Every character of `character`'s alphabet (itself included): what a
    /// camera could have written in its place. Empty for any other character.
    public static func alphabet(like character: Character) -> [Character] {
        alphabet(of: character)?.characters ?? []
    }

    /// The characters one plate position can hold, by script: a character
    /// is only ever confused within its own alphabet unless the table says
    /// otherwise (it cannot: `init` refuses such pairs).
    enum Alphabet {
        case hanzi, latin

        var characters: [Character] {
            switch self {
            case .hanzi: Self.hanziCharacters
            case .latin: Self.latinCharacters
            }
        }

        private static let hanziCharacters = PlateNormalizer.plateHanzi.sorted()
        private static let latinCharacters = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    }

    static func alphabet(of character: Character) -> Alphabet? {
        if PlateNormalizer.isPlateHanzi(character) { return .hanzi }
        if character.isASCIIDigit || character.isASCIIUppercase { return .latin }
        return nil
    }

    /// A table key: the true character and what it was read as.
    private struct Pair: Hashable {
        var truth: Character
        var read: Character
    }

    public static func == (lhs: ConfusionModel, rhs: ConfusionModel) -> Bool {
        lhs.confusions == rhs.confusions && lhs.otherRate == rhs.otherRate && lhs.weights == rhs.weights
            && lhs.positionWeights == rhs.positionWeights
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(confusions)
        hasher.combine(otherRate)
        hasher.combine(weights)
        hasher.combine(positionWeights)
    }
}

/// Why a confusion table was refused, naming the entry.
public struct ConfusionModelError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var problem: String

    public init(_ field: String, _ problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}

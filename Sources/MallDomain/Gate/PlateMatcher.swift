/// Matches what a gate camera read against the plates of active
/// reservations, and decides whether the evidence is strong enough to admit.
///
/// The question it answers is how likely the car is to be a reservation's
/// car against how likely it is to be any other plate, reserved or not. The
/// candidates are the reserved plates the read could be: the read itself,
/// those one substitution away, and the camera's candidates. Each gets its
/// support from the evidence (`PlateEvidence`); every plate the evidence
/// does not put on a reserved one is taken to be some unreserved car. With
/// a reserved plate `reservedPriorWeight` times as likely at the barrier as
/// any one unreserved plate, the chance the car is reserved plate *H* is
///
///     P(H) = w·s(H) / (1 + (w − 1)·Σ s(R))   over the reserved candidates R,
///
/// and the best candidate is admitted when P reaches `admitProbability`.
/// The weight is deliberately low: a car park sees the neighbours of its
/// reservations (fleet cars, consecutive plates) far more often than random
/// plates, and a neighbour read correctly must never be taken for the
/// reservation it resembles.
///
/// Not admitted: a best candidate whose runner-up keeps a tenth of the
/// doubt the threshold allows (1 % by default), or two that only together
/// reach the threshold, are `ambiguous`; a read the camera is unsure of is `lowConfidence`; a read
/// near reserved plates is `unsafeFuzzyMatch` with them as suggestions
/// (one edit away, a dropped or added character included); anything else
/// is `noMatch`.
public struct PlateMatcher: Sendable {
    /// - `minimumConfidence`: below it nothing is admitted automatically (default 0.5).
    /// - `reservedPriorWeight`: how much likelier a reserved plate is at the
    ///   barrier than any one unreserved plate (default 100).
    /// - `admitProbability`: the chance a candidate must reach to be admitted (default 0.9).
    /// - `confusions`: how the cameras misread characters (default `ConfusionModel.standard`).
    public struct Configuration: Hashable, Sendable {
        public var minimumConfidence: Double
        public var reservedPriorWeight: Double
        public var admitProbability: Double
        public var confusions: ConfusionModel

        public init(
            minimumConfidence: Double = 0.5, reservedPriorWeight: Double = 100, admitProbability: Double = 0.9,
            confusions: ConfusionModel = .standard
        ) {
            self.minimumConfidence = minimumConfidence
            self.reservedPriorWeight = reservedPriorWeight
            self.admitProbability = admitProbability
            self.confusions = confusions
        }
    }

    /// What the camera reported.
    public struct Read: Hashable, Sendable {
        public var text: String
        /// The camera's confidence in the read as a whole, 0 to 1; with
        /// likelihood-bearing candidates, the read's own likelihood.
        public var confidence: Double
        /// One per character of the read after cleaning, where the camera gives them.
        public var characterConfidences: [Double]?
        public var alternatives: [Candidate]

        public init(
            text: String, confidence: Double, characterConfidences: [Double]? = nil, alternatives: [Candidate] = []
        ) {
            self.text = text
            self.confidence = confidence
            self.characterConfidences = characterConfidences
            self.alternatives = alternatives
        }
    }

    /// A plate the camera says the car may also carry. Without a likelihood
    /// (the older string form) it is only ever a suggestion for staff.
    public struct Candidate: Hashable, Sendable {
        public var plate: String
        public var likelihood: Double?

        public init(_ plate: String, likelihood: Double? = nil) {
            self.plate = plate
            self.likelihood = likelihood
        }
    }

    public enum Rule: Hashable, Sendable {
        case exact
        /// A camera candidate the read itself is not one substitution from.
        case alternative(String)
        /// One character at `position` (0-based) read as `read`, reserved as `reserved`.
        case confusion(position: Int, read: Character, reserved: Character)
    }

    /// An admissible match: the reserved plate, how the read reached it, and
    /// the chance the car is that plate's.
    public struct Match: Hashable, Sendable {
        public var plate: String
        public var rule: Rule
        public var probability: Double
    }

    public enum Outcome: Hashable, Sendable {
        case match(Match)
        case refer(Reason, suggestions: [String])
        case noMatch

        public enum Reason: String, Hashable, Sendable {
            case lowConfidence = "low confidence"
            case ambiguous
            case unsafeFuzzyMatch = "close to a reservation but not safe to admit"
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// `reserved`: the normalised plates of the active reservations.
    public func match(_ read: Read, against reserved: some PlateSet) -> Outcome {
        let evidence = PlateEvidence(read, model: configuration.confusions)
        let text = evidence.text.map { String($0) }
        let near = text.map { reserved.plates(oneEditFrom: $0) } ?? []
        let listed = evidence.candidates.filter(reserved.contains)
        var candidates = Set((near + listed).filter(evidence.mayAdmit))
        if let text, reserved.contains(text) { candidates.insert(text) }
        // Only a read that is referred needs the plates close to the camera's candidates.
        func suggestions() -> [String] {
            candidates.union(listed).union(near).union(evidence.candidates.flatMap(reserved.plates(oneEditFrom:)))
                .sorted()
        }

        guard read.confidence >= configuration.minimumConfidence else {
            return .refer(.lowConfidence, suggestions: suggestions())
        }
        let ranked = candidates.map { (plate: $0, support: evidence.support(for: $0)) }
            .sorted { $0.support != $1.support ? $0.support > $1.support : $0.plate < $1.plate }
        let weight = configuration.reservedPriorWeight
        let total = ranked.reduce(0) { $0 + $1.support }
        func probability(_ support: Double) -> Double { weight * support / (1 + (weight - 1) * total) }

        let runnerUp = ranked.count > 1 ? probability(ranked[1].support) : 0
        if let best = ranked.first, probability(best.support) >= configuration.admitProbability {
            // Never admit one reservation where another is still a real
            // possibility, or one the camera's list left out: that would be
            // an admission to the wrong car.
            guard runnerUp < (1 - configuration.admitProbability) / 10,
                ranked.dropFirst().allSatisfy({ evidence.prices($0.plate) })
            else {
                return .refer(.ambiguous, suggestions: suggestions())
            }
            return .match(
                Match(plate: best.plate, rule: rule(to: best.plate, evidence), probability: probability(best.support)))
        }
        if ranked.count > 1, probability(ranked[0].support) + runnerUp >= configuration.admitProbability {
            return .refer(.ambiguous, suggestions: suggestions())
        }
        if ranked.count == 1, ranked[0].plate == text { return .refer(.lowConfidence, suggestions: suggestions()) }
        let close = suggestions()
        return close.isEmpty ? .noMatch : .refer(.unsafeFuzzyMatch, suggestions: close)
    }

    private func rule(to plate: String, _ evidence: PlateEvidence) -> Rule {
        if let text = evidence.text, String(text) == plate { return .exact }
        if let (position, read, reserved) = evidence.substitution(to: plate) {
            return .confusion(position: position, read: read, reserved: reserved)
        }
        return .alternative(plate)
    }
}

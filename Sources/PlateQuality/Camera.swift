import MallDomain

/// A simulated ANPR camera: reads a true plate, misreads characters the way
/// its own confusion model says, and reports what real cameras report.
///
/// - Characters read correctly get a confidence drawn from `sure` (default
///   0.93–1.0); a misread character one from `unsure` (0.2–0.7).
/// - The overall confidence is the mean of the characters'.
/// - Candidates are the plates one substitution from the read that the
///   camera's model finds likeliest, each with its likelihood on the scale
///   of the overall confidence (the read's likelihood times the ratio the
///   characters give).
///
/// The camera's model is separate from the matcher's: drawing misreads from
/// the matcher's own table would hide every confusion the table lacks.
struct Camera {
    var model: ConfusionModel
    var sure: ClosedRange<Double> = 0.93...1.0
    var unsure: ClosedRange<Double> = 0.2...0.7

    /// What the camera sends, in every form a gate controller may pass it on.
    struct Report {
        var text: String
        var confidence: Double
        var characters: [Double]
        var candidates: [PlateMatcher.Candidate]

        func read(_ evidence: Evidence, decoy: String? = nil) -> PlateMatcher.Read {
            let decoys =
                decoy.map { decoy in
                    candidates.contains { $0.plate == decoy } ? [] : [likelihood(of: decoy)]
                } ?? []
            let listed = Array((decoys + candidates).prefix(4))
            switch evidence {
            case .overall: return PlateMatcher.Read(text: text, confidence: confidence)
            case .characters:
                return PlateMatcher.Read(text: text, confidence: confidence, characterConfidences: characters)
            case .candidates: return PlateMatcher.Read(text: text, confidence: confidence, alternatives: listed)
            case .charactersAndCandidates:
                return PlateMatcher.Read(
                    text: text, confidence: confidence, characterConfidences: characters, alternatives: listed)
            case .plainAlternatives:
                return PlateMatcher.Read(
                    text: text, confidence: confidence, alternatives: listed.map { PlateMatcher.Candidate($0.plate) })
            }
        }

        /// `plate` as a candidate with the likelihood this report's characters give it.
        private func likelihood(of plate: String) -> PlateMatcher.Candidate {
            PlateMatcher.Candidate(plate, likelihood: relative[plate] ?? 0)
        }

        fileprivate var relative: [String: Double] = [:]
    }

    /// The evidence a gate controller passes on, from least to most.
    enum Evidence: String, CaseIterable {
        case overall = "overall confidence only"
        case plainAlternatives = "alternatives as plain strings"
        case characters = "per-character confidences"
        case candidates = "candidates with likelihoods"
        case charactersAndCandidates = "both"
    }

    /// Reads `plate`, misreading the character at `misread` (position and
    /// character written) if given.
    func read(_ plate: String, misread: (position: Int, read: Character)? = nil, random: inout SplitMix64) -> Report {
        var text = Array(plate)
        var characters = text.indices.map { _ in random.uniform(in: sure) }
        if let misread {
            text[misread.position] = misread.read
            characters[misread.position] = random.uniform(in: unsure)
        }
        let confidence = characters.reduce(0, +) / Double(characters.count)
        var likelihoods: [String: Double] = [:]
        for index in text.indices {
            for (alternative, share) in model.shares(whenWrongAbout: text[index], at: index, of: text) {
                var other = text
                other[index] = alternative
                likelihoods[String(other)] =
                    confidence * (1 - characters[index]) * share / max(characters[index], 1e-9)
            }
        }
        // Ties broken by plate: a dictionary's order changes from run to run.
        let candidates = likelihoods.filter { $0.value >= 0.001 }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3)
            .map { PlateMatcher.Candidate($0.key, likelihood: min($0.value, 1)) }
        var report = Report(
            text: String(text), confidence: confidence, characters: characters, candidates: Array(candidates))
        report.relative = likelihoods
        return report
    }

    /// A misread of `plate` drawn from the camera's model: a character and
    /// what it is read as, each in proportion to its rate; nil when the
    /// model lists no misread of any of its characters.
    func misread(of plate: String, random: inout SplitMix64) -> (position: Int, read: Character)? {
        let options = Array(plate).enumerated().flatMap { position, character in
            model.misreads(of: character).map { (position: position, read: $0.read, rate: $0.rate) }
        }
        let total = options.reduce(0) { $0 + $1.rate }
        guard total > 0 else { return nil }
        var draw = random.uniform(in: 0...total)
        for option in options {
            draw -= option.rate
            if draw <= 0 { return (option.position, option.read) }
        }
        return options.last.map { ($0.position, $0.read) }
    }
}

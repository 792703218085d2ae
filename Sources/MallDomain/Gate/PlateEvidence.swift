import Foundation

/// What one camera read says about which plate is really at the barrier:
/// for any plate, its *support*, the chance the camera's evidence gives it.
///
/// Three sources, each used where the camera gives it:
/// - **per-character confidences**: position *i* holds the character read
///   with its confidence *qᵢ*; otherwise (1 − *qᵢ*) is shared among the
///   characters the confusion model says are read that way;
/// - **candidates with likelihoods**: the camera's own chance for each
///   plate it lists, the read's `confidence` on the same scale (scaled down
///   together when they add up to more than 1);
/// - **the overall confidence alone**: spread evenly over the characters
///   (*qᵢ* = confidence^(1/n)), which leaves any substitution far below the
///   read itself: without more evidence a near miss is never admitted.
///
/// Where two sources speak of one plate, the lower support stands: a camera
/// that lists a candidate but was sure of every character that tells it
/// apart does not get it admitted. A plate left off the camera's list (its
/// top few) keeps the support its characters give it.
struct PlateEvidence {
    /// The read after cleaning, or nil when it holds no plate characters.
    let text: [Character]?
    /// Every camera candidate that is a plate, normalised, in the order sent.
    let candidates: [String]
    private let characters: [Double]?
    private let hasCharacterConfidences: Bool
    /// Listed plates' likelihoods, scaled; the read's own under its text.
    private let likelihoods: [String: Double]
    /// The chance left for every plate the camera did not list.
    private let unlisted: Double
    private let model: ConfusionModel

    init(_ read: PlateMatcher.Read, model: ConfusionModel) {
        self.model = model
        let text = (try? PlateNormalizer.clean(read.text)).flatMap { $0.isEmpty ? nil : $0 }
        self.text = text
        if let given = read.characterConfidences, let text, given.count == text.count {
            characters = given
            hasCharacterConfidences = true
        } else {
            characters = text.map { [Double](repeating: Self.spread(read.confidence, over: $0.count), count: $0.count) }
            hasCharacterConfidences = false
        }
        var candidates: [String] = []
        var listed: [String: Double] = [:]
        for candidate in read.alternatives {
            guard let plate = try? PlateNormalizer.normalize(candidate.plate).text else { continue }
            candidates.append(plate)
            if let likelihood = candidate.likelihood { listed[plate] = max(listed[plate] ?? 0, likelihood) }
        }
        self.candidates = candidates
        guard !listed.isEmpty else {
            likelihoods = text.map { [String($0): read.confidence] } ?? [:]
            unlisted = 1
            return
        }
        if let text { listed[String(text)] = max(listed[String(text)] ?? 0, read.confidence) }
        let total = listed.values.reduce(0, +)
        let scale = total > 1 ? 1 / total : 1
        likelihoods = listed.mapValues { $0 * scale }
        unlisted = max(0, 1 - total * scale)
    }

    /// The support for `plate` (normalised), from 0 to 1.
    func support(for plate: String) -> Double {
        let characterSupport = self.characterSupport(for: Array(plate))
        if let listed = likelihoods[plate] {
            return hasCharacterConfidences ? min(listed, characterSupport) : listed
        }
        // A camera's list is its top few: a plate left off it is priced by
        // the characters where they are given, else by what the list left over.
        return hasCharacterConfidences ? characterSupport : min(characterSupport, unlisted)
    }

    /// Whether the evidence says anything about `plate` itself: false only
    /// for a plate the camera left off a list of likelihoods while giving no
    /// per-character confidences (its support is then a guess of 0).
    func prices(_ plate: String) -> Bool {
        hasCharacterConfidences || unlisted == 1 || likelihoods[plate] != nil
    }

    /// Whether a plate may be admitted on this evidence at all: the read
    /// itself, one substitution away from it, or listed with a likelihood.
    /// Two substitutions, or a character dropped or added, are only ever
    /// suggestions for staff.
    func mayAdmit(_ plate: String) -> Bool {
        likelihoods[plate] != nil || text.map { String($0) } == plate || substitution(to: plate) != nil
    }

    /// The one substituted position between the read and `plate`, if that
    /// is all that differs.
    func substitution(to plate: String) -> (position: Int, read: Character, reserved: Character)? {
        guard let text else { return nil }
        let characters = Array(plate)
        guard characters.count == text.count else { return nil }
        let differing = text.indices.filter { text[$0] != characters[$0] }
        guard differing.count == 1, let position = differing.first else { return nil }
        return (position, text[position], characters[position])
    }

    /// The product over positions of the chance each holds `plate`'s
    /// character; 0 for another length.
    private func characterSupport(for plate: [Character]) -> Double {
        guard let text, let characters, plate.count == text.count else { return 0 }
        var support = 1.0
        for index in text.indices {
            // A character no plate can carry where it was read is certainly a
            // misread, whatever the camera's confidence in it.
            let confidence = PlateNormalizer.canHold(text[index], at: index, of: text) ? characters[index] : 0
            support *=
                plate[index] == text[index]
                ? confidence
                : (1 - confidence) * model.share(of: plate[index], whenWrongAbout: text[index], at: index, of: text)
        }
        return support
    }

    /// The per-character confidence that makes `count` equal characters
    /// multiply to `confidence`.
    private static func spread(_ confidence: Double, over count: Int) -> Double {
        count > 0 ? pow(min(max(confidence, 0), 1), 1 / Double(count)) : 0
    }
}

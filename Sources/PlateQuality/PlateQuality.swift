import ArgumentParser
import EdgeRules
import Foundation

/// Measures the gate's plate rule on real plates (CCPD): how often a car
/// with no reservation would be admitted, and how often a reserved car whose
/// plate the camera misread by one confusable character is still admitted to
/// the right reservation. Seeded, so a run is repeatable.
@main
struct PlateQuality: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plate-quality",
        abstract: "Measure false admits and misread recovery of the plate matcher on real plates.")

    @Option(help: "One plate per line (the CCPD set in ../shared/data/plates).")
    var plates = "../shared/data/plates/ccpd-plates.txt"

    @Option(help: "Trials per figure.")
    var trials = 2000

    @Option(help: "Seed of the random draws.")
    var seed: UInt64 = 1

    func run() throws {
        let all = try String(contentsOfFile: plates, encoding: .utf8).split(separator: "\n").map(String.init)
        var random = SplitMix64(seed: seed)
        let matcher = PlateMatcher()
        print("plates: \(all.count), trials per figure: \(trials), seed \(seed), rule: PlateMatcher defaults")
        for active in [50, 200, 1000] {
            var falseAdmits = 0
            var misreadsAdmitted = 0
            var misreads = 0
            for _ in 0..<trials {
                var reserved: Set<String> = []
                while reserved.count < active { reserved.insert(all[random.next(below: all.count)]) }
                // A stranger, read with high overall confidence and no per-character
                // confidences: the most permissive case for a fuzzy admit.
                var stranger = all[random.next(below: all.count)]
                while reserved.contains(stranger) { stranger = all[random.next(below: all.count)] }
                let read = PlateMatcher.Read(text: stranger, confidence: 0.95)
                if case .match = matcher.match(read, against: reserved) { falseAdmits += 1 }
                // A reserved car misread at one serial character within a confusion
                // class, the camera unsure of exactly that character.
                let target = Array(reserved)[random.next(below: reserved.count)]
                var characters = Array(target)
                let positions = (2..<characters.count).filter { position in
                    PlateMatcher.confusionClasses.contains { $0.contains(characters[position]) }
                }
                guard !positions.isEmpty else { continue }
                let position = positions[random.next(below: positions.count)]
                let options = PlateMatcher.confusionClasses.first { $0.contains(characters[position]) }!
                    .subtracting([characters[position]]).sorted()
                characters[position] = options[random.next(below: options.count)]
                var confidences = [Double](repeating: 0.97, count: characters.count)
                confidences[position] = 0.45
                misreads += 1
                let misread = PlateMatcher.Read(
                    text: String(characters), confidence: 0.9, characterConfidences: confidences)
                if case .match(let plate, _) = matcher.match(misread, against: reserved), plate == target {
                    misreadsAdmitted += 1
                }
            }
            let falseRate = Double(falseAdmits) / Double(trials) * 100
            let recovered = Double(misreadsAdmitted) / Double(max(misreads, 1)) * 100
            print(
                String(
                    format:
                        "%5d active reservations: unreserved car admitted %.2f%% (%d/%d); one-confusion misread admitted correctly %.1f%% (%d/%d)",
                    active, falseRate, falseAdmits, trials, recovered, misreadsAdmitted, misreads))
        }
    }
}

/// SplitMix64: small, seeded, the same on every platform.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

import EdgeRules
import Foundation

/// The same trials written out for a gate's real API: per book size, the
/// reserved plates (each book holds the smaller ones, so one fleet serves
/// all sizes) and every read as the JSON body of `POST /v1/gate/reads`,
/// with what a right answer is. `deploy/scripts/plate-quality-api.py`
/// seeds a demo fleet with the plates, posts the reads and counts. The
/// same reads are matched here too, so the API's figures can be checked
/// against the engine's one for one.
struct APIReads {
    struct Line: Encodable {
        var kind: String
        var evidence: String
        /// The reservation the read must match (a misread), or nil (no reservation may match).
        var expect: String?
        var read: Body
    }

    /// `POST /v1/gate/reads` without lane and direction.
    struct Body: Encodable {
        var plate: String
        var confidence: Double
        var characterConfidences: [Double]?
        var alternatives: [Alternative]?

        init(_ read: PlateMatcher.Read) {
            plate = read.text
            confidence = read.confidence
            characterConfidences = read.characterConfidences
            alternatives = read.alternatives.isEmpty ? nil : read.alternatives.map(Alternative.init)
        }
    }

    /// A likelihood-bearing candidate as an object, a plain one as a string.
    struct Alternative: Encodable {
        var candidate: PlateMatcher.Candidate

        func encode(to encoder: any Encoder) throws {
            guard let likelihood = candidate.likelihood else {
                var single = encoder.singleValueContainer()
                try single.encode(candidate.plate)
                return
            }
            var keyed = encoder.container(keyedBy: Keys.self)
            try keyed.encode(candidate.plate, forKey: .plate)
            try keyed.encode(likelihood, forKey: .likelihood)
        }

        enum Keys: String, CodingKey { case plate, likelihood }
    }

    /// - Returns: per book size, the engine's tally of the reads written.
    static func write(
        to directory: String, camera: Camera, matcher: PlateMatcher, plates: [String], sizes: [Int],
        trials: Int, random: inout SplitMix64
    ) throws -> [(size: Int, tally: Tally)] {
        var tallies: [(size: Int, tally: Tally)] = []
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let largest = Book(drawing: sizes.max() ?? 0, from: plates, random: &random).plates
        var order = largest
        for index in order.indices.reversed() { order.swapAt(index, random.next(below: index + 1)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for size in sizes.sorted() {
            let book = Book(plates: Array(order.prefix(size)))
            try (book.plates.joined(separator: "\n") + "\n").write(
                toFile: "\(directory)/reservations-\(size).txt", atomically: true, encoding: .utf8)
            var lines: [String] = []
            var tally = Tally()
            for _ in 0..<trials {
                let trial = Trial(
                    camera: camera, confusions: matcher.configuration.confusions, plates: plates, book: book,
                    random: &random)
                tally.count(trial, matcher: matcher, book: book.index)
                for evidence in Camera.Evidence.allCases {
                    var cars = [
                        Line(kind: "stranger", evidence: evidence.rawValue, read: Body(trial.stranger.read(evidence)))
                    ]
                    if let (report, decoy) = trial.neighbour {
                        cars.append(
                            Line(
                                kind: "neighbour", evidence: evidence.rawValue,
                                read: Body(report.read(evidence, decoy: decoy))))
                    }
                    if let (report, car) = trial.misread {
                        cars.append(
                            Line(
                                kind: "misread", evidence: evidence.rawValue, expect: car,
                                read: Body(report.read(evidence))))
                    }
                    lines += try cars.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
                }
            }
            try (lines.joined(separator: "\n") + "\n").write(
                toFile: "\(directory)/reads-\(size).jsonl", atomically: true, encoding: .utf8)
            tallies.append((size, tally))
        }
        return tallies
    }
}

import Foundation
import MallDomain

/// The same trials written out for a gate's real API: per book size,
/// several books of reserved plates (`book-N-K.txt`), each with its reads
/// as JSON bodies of `POST /v1/gate/reads` and what a right answer is
/// (`reads-N-K.jsonl`). `deploy/scripts/plate-quality-api.py` seeds each
/// book into a running fleet, posts its reads, cancels it and counts: so
/// the misreads fall on many cars, as in the engine's figures, and not on
/// the few of one book. The
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

    /// `trialsPerBook` trials on each book, `trials` in all per size.
    /// - Returns: per book size, the engine's tally of the reads written.
    static func write(
        to directory: String, camera: Camera, matcher: PlateMatcher, plates: [String], sizes: [Int],
        trials: Int, trialsPerBook: Int, random: inout SplitMix64
    ) throws -> [(size: Int, tally: Tally)] {
        var tallies: [(size: Int, tally: Tally)] = []
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for size in sizes.sorted() {
            var tally = Tally()
            for (number, start) in stride(from: 0, to: trials, by: trialsPerBook).enumerated() {
                let book = Book(drawing: size, from: plates, random: &random)
                let lines = try reads(
                    min(trialsPerBook, trials - start), on: book, camera: camera, matcher: matcher, plates: plates,
                    encoder: encoder, tally: &tally, random: &random)
                try (book.plates.joined(separator: "\n") + "\n").write(
                    toFile: "\(directory)/book-\(size)-\(number).txt", atomically: true, encoding: .utf8)
                try (lines.joined(separator: "\n") + "\n").write(
                    toFile: "\(directory)/reads-\(size)-\(number).jsonl", atomically: true, encoding: .utf8)
            }
            tallies.append((size, tally))
        }
        return tallies
    }

    /// The JSON lines of `count` trials on `book`, counted into `tally` as the engine matches them.
    private static func reads(
        _ count: Int, on book: Book, camera: Camera, matcher: PlateMatcher, plates: [String], encoder: JSONEncoder,
        tally: inout Tally, random: inout SplitMix64
    ) throws -> [String] {
        var lines: [String] = []
        for _ in 0..<count {
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
        return lines
    }
}

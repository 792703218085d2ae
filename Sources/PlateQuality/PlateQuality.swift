import ArgumentParser
import Foundation
import MallDomain

/// Measures the gate's plate rule on real plates (CCPD) with a simulated
/// camera whose confusion model is given separately from the matcher's:
/// how often an unreserved car is admitted (a random stranger, and a
/// neighbour one confusable character from a reservation, with the
/// reservation listed as a decoy candidate), and how often a reserved car
/// misread by one character is admitted to its reservation (and never to
/// another), in every form of evidence a gate controller may send. Seeded,
/// so a run is repeatable.
@main
struct PlateQuality: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plate-quality",
        abstract: "Measure false and true admissions of the plate matcher on real plates.")

    @Option(help: "One plate per line (the CCPD set in ../shared/data/plates).")
    var plates = "../shared/data/plates/ccpd-plates.txt"

    @Option(help: "Reads of each kind per figure.")
    var trials = 2000

    @Option(help: "Seed of the random draws.")
    var seed: UInt64 = 1

    @Option(help: "Active reservations, comma-separated.")
    var reservations = "50,200,1000"

    @Option(help: "The matcher's confusion model (JSON); the standard table when absent.")
    var matcherModel: String?

    @Option(help: "The matcher's reserved_prior_weight.")
    var priorWeight = PlateMatcher.Configuration().reservedPriorWeight

    @Option(help: "The matcher's admit_probability.")
    var admitProbability = PlateMatcher.Configuration().admitProbability

    @Option(help: "Confidence range of characters the camera read correctly.")
    var sure = "0.93-1.0"

    @Option(help: "Confidence range of a character the camera misread.")
    var unsure = "0.2-0.7"

    @Option(help: "Confusion models (JSON) of further cameras to measure, e.g. a held-out one.")
    var cameraModel: [String] = []

    @Option(help: "Write the reads for a gate's real API to this directory instead of matching them here.")
    var emit: String?

    @Option(help: "With --emit: trials on each book of reservations (each is seeded, read against and cancelled).")
    var bookTrials = 200

    func validate() throws {
        guard (1...10_000_000).contains(trials) else { throw ValidationError("--trials: from 1 to 10,000,000") }
        guard bookTrials >= 1 else { throw ValidationError("--book-trials: at least 1") }
    }

    func run() throws {
        let all = try String(contentsOfFile: plates, encoding: .utf8).split(separator: "\n").map(String.init)
        let matcherConfusions = try matcherModel.map(Self.load) ?? .standard
        let matcher = PlateMatcher(
            configuration: .init(
                reservedPriorWeight: priorWeight, admitProbability: admitProbability, confusions: matcherConfusions))
        let counts = try reservations.split(separator: ",").map { text in
            guard let count = Int(text), (1...all.count / 2).contains(count) else {
                throw ValidationError("--reservations: whole numbers from 1 to \(all.count / 2)")
            }
            return count
        }
        let cameras =
            [("the matcher's own model", matcherConfusions)] + (try cameraModel.map { ($0, try Self.load($0)) })
        if let emit {
            let camera = Camera(
                model: try cameraModel.first.map(Self.load) ?? matcherConfusions, sure: try Self.range(sure, "--sure"),
                unsure: try Self.range(unsure, "--unsure"))
            var random = SplitMix64(seed: seed)
            let tallies = try APIReads.write(
                to: emit, camera: camera, matcher: matcher, plates: all, sizes: counts, trials: trials,
                trialsPerBook: bookTrials, random: &random)
            print("wrote book-N-K.txt and reads-N-K.jsonl for N in \(reservations) to \(emit)")
            print("\nthe same reads matched here, to compare with the API's (a demo fleet's own reservations aside):")
            for (size, tally) in tallies { tally.print(reservations: size) }
            return
        }
        print(
            "plates: \(all.count), reads of each kind per figure: \(trials), seed \(seed); "
                + "camera confidence \(sure) where right, \(unsure) where wrong")
        print(
            "matcher: reserved_prior_weight \(priorWeight), admit_probability \(admitProbability), "
                + "confusions \(matcherModel ?? "standard")")
        for (name, model) in cameras {
            print("\ncamera misreads drawn from: \(name)")
            var random = SplitMix64(seed: seed)
            for count in counts {
                var tally = Tally()
                measure(
                    Camera(
                        model: model, sure: try Self.range(sure, "--sure"), unsure: try Self.range(unsure, "--unsure")),
                    matcher: matcher, plates: all, reserved: count, tally: &tally,
                    random: &random)
                tally.print(reservations: count)
            }
        }
    }

    /// One reservation book per 50 trials, drawn afresh from the plates.
    func measure(
        _ camera: Camera, matcher: PlateMatcher, plates: [String], reserved count: Int, tally: inout Tally,
        random: inout SplitMix64
    ) {
        var book = Book(plates: [])
        for trial in 0..<trials {
            if trial % 50 == 0 { book = Book(drawing: count, from: plates, random: &random) }
            let cars = Trial(
                camera: camera, confusions: matcher.configuration.confusions, plates: plates, book: book,
                random: &random)
            tally.count(cars, matcher: matcher, book: book.index)
        }
    }

    static func range(_ text: String, _ option: String) throws -> ClosedRange<Double> {
        let bounds = text.split(separator: "-").compactMap { Double($0) }
        guard bounds.count == 2, 0 <= bounds[0], bounds[0] <= bounds[1], bounds[1] <= 1 else {
            throw ValidationError("\(option): a range such as 0.93-1.0 within 0 to 1")
        }
        return bounds[0]...bounds[1]
    }

    static func load(_ path: String) throws -> ConfusionModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read confusion model \(path)")
        }
        do {
            return try ConfusionModel(json: [UInt8](data))
        } catch {
            throw ValidationError("confusion model \(path): \(error)")
        }
    }
}

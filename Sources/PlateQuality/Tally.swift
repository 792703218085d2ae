import Foundation
import MallDomain

/// Counts of one reservation-book size, per form of evidence.
struct Tally {
    var strangers = 0
    var neighbours = 0
    var misreads = 0
    var misreadsOntoAnotherReservation = 0
    var strangersAdmitted: [Camera.Evidence: Int] = [:]
    var neighboursAdmitted: [Camera.Evidence: Int] = [:]
    var misreadsAdmitted: [Camera.Evidence: Int] = [:]
    var wrongReservation: [Camera.Evidence: Int] = [:]
    /// Misreads not admitted on per-character confidences, by the confusion
    /// and where it fell: what a mall would look at to refit its model.
    var referredConfusions: [String: Int] = [:]

    /// Matches every read of `trial` in every form of evidence and counts the outcomes.
    mutating func count(_ trial: Trial, matcher: PlateMatcher, book: PlateIndex) {
        for evidence in Camera.Evidence.allCases {
            if case .match = matcher.match(trial.stranger.read(evidence), against: book) {
                strangersAdmitted[evidence, default: 0] += 1
            }
            if let (report, decoy) = trial.neighbour,
                case .match = matcher.match(report.read(evidence, decoy: decoy), against: book)
            {
                neighboursAdmitted[evidence, default: 0] += 1
            }
            if let (report, car) = trial.misread,
                case .match(let match) = matcher.match(report.read(evidence), against: book)
            {
                if match.plate == car {
                    misreadsAdmitted[evidence, default: 0] += 1
                } else {
                    wrongReservation[evidence, default: 0] += 1
                }
            } else if let (report, car) = trial.misread, evidence == .characters {
                referredConfusions[Self.confusion(car, readAs: report.text), default: 0] += 1
            }
        }
        strangers += 1
        if trial.neighbour != nil { neighbours += 1 }
        if trial.misread != nil { misreads += 1 }
        if trial.misreadOntoAnotherReservation { misreadsOntoAnotherReservation += 1 }
    }

    func print(reservations: Int) {
        Swift.print(
            "\n\(reservations) active reservations (\(strangers) strangers, \(neighbours) neighbours, "
                + "\(misreads) misreads; \(misreadsOntoAnotherReservation) misreads were another reservation exactly)")
        Swift.print(
            "| evidence | random stranger admitted | neighbour admitted (reservation listed as decoy) | misread admitted to its reservation | admitted to a wrong reservation |"
        )
        Swift.print("|---|---|---|---|---|")
        for evidence in Camera.Evidence.allCases {
            Swift.print(
                "| \(evidence.rawValue) | \(Self.rate(strangersAdmitted[evidence] ?? 0, strangers)) | "
                    + "\(Self.rate(neighboursAdmitted[evidence] ?? 0, neighbours)) | "
                    + "\(Self.rate(misreadsAdmitted[evidence] ?? 0, misreads)) | \(wrongReservation[evidence] ?? 0) |")
        }
        let commonest = referredConfusions.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        Swift.print(
            "\nmisreads referred on per-character confidences, commonest first: "
                + commonest.prefix(8).map { "\($0.key) (\($0.value))" }.joined(separator: ", "))
    }

    /// "T→1 at 4": the one character `read` differs from `car` by, and its position.
    static func confusion(_ car: String, readAs read: String) -> String {
        let pairs = zip(Array(car), Array(read)).enumerated().filter { $0.element.0 != $0.element.1 }
        return pairs.map { "\($0.element.0)→\($0.element.1) at \($0.offset)" }.joined(separator: ", ")
    }

    static func rate(_ count: Int, _ total: Int) -> String {
        String(format: "%.3f %% (%d / %d)", Double(count) / Double(max(total, 1)) * 100, count, total)
    }
}

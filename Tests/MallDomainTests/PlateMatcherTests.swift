import MallDomain
import Testing

@Suite struct PlateMatcherTests {
    let matcher = PlateMatcher()
    let reserved: Set<String> = ["皖A12345", "皖A8D9K2", "沪BC8Q11", "粤B1234港"]
    let sure = [0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99]

    func read(
        _ text: String, _ confidence: Double = 0.95, characters: [Double]? = nil,
        alternatives: [PlateMatcher.Candidate] = []
    ) -> PlateMatcher.Read {
        PlateMatcher.Read(
            text: text, confidence: confidence, characterConfidences: characters, alternatives: alternatives)
    }

    func doubting(_ position: Int, _ confidence: Double) -> [Double] {
        var confidences = sure
        confidences[position] = confidence
        return confidences
    }

    func matched(_ outcome: PlateMatcher.Outcome) -> (plate: String, rule: PlateMatcher.Rule)? {
        guard case .match(let match) = outcome else { return nil }
        return (match.plate, match.rule)
    }

    @Test func anExactReadMatchesAndIsAlmostCertain() throws {
        guard case .match(let match) = matcher.match(read("皖A·12345"), against: reserved) else {
            Issue.record("not matched")
            return
        }
        #expect(match.plate == "皖A12345" && match.rule == .exact)
        #expect(match.probability > 0.99)
    }

    @Test func aConfusionAtTheCharacterTheCameraDoubtedMatches() {
        let outcome = matcher.match(read("皖A809K2", characters: doubting(3, 0.4)), against: reserved)
        #expect(matched(outcome)?.plate == "皖A8D9K2")
        #expect(matched(outcome)?.rule == .confusion(position: 3, read: "0", reserved: "D"))
    }

    @Test func aWeakCharacterThatIsMostOftenAnotherIsReferred() {
        // A weak Q is far more often a misread 0 (digits are common) than a D.
        let outcome = matcher.match(read("皖A8Q9K2", characters: doubting(3, 0.4)), against: reserved)
        #expect(outcome == .refer(.unsafeFuzzyMatch, suggestions: ["皖A8D9K2"]))
    }

    @Test func aWeakIssuingLetterIsWeighedAmongLettersOnly() {
        // A weak G in a serial is most often a 6; as the issuing letter it can only be a letter, most often C.
        let serial = matcher.match(read("皖A12G45", characters: doubting(4, 0.4)), against: Set(["皖A12C45"]))
        #expect(matched(serial) == nil)
        let issuing = matcher.match(read("沪GC8Q11", characters: doubting(1, 0.4)), against: Set(["沪CC8Q11"]))
        #expect(matched(issuing)?.rule == .confusion(position: 1, read: "G", reserved: "C"))
    }

    @Test func oneReadAsSevenIsAConfusionToo() {
        let outcome = matcher.match(read("皖A72345", characters: doubting(2, 0.4)), against: reserved)
        #expect(matched(outcome)?.rule == .confusion(position: 2, read: "7", reserved: "1"))
    }

    @Test func aMisreadBreakingTheFormatStillMatches() {
        let outcome = matcher.match(read("皖AI2345", characters: doubting(2, 0.5)), against: reserved)
        #expect(matched(outcome)?.rule == .confusion(position: 2, read: "I", reserved: "1"))
    }

    @Test func aCharacterThatCannotStandWhereItWasReadIsAMisreadHoweverSure() {
        // No serial holds an I, no issuing letter is a digit: the camera's 0.9 is wrong there.
        let serial = matcher.match(read("皖AI2345", characters: doubting(2, 0.9)), against: reserved)
        #expect(matched(serial)?.rule == .confusion(position: 2, read: "I", reserved: "1"))
        let issuing = matcher.match(read("皖48D9K2", characters: doubting(1, 0.9)), against: reserved)
        #expect(matched(issuing)?.rule == .confusion(position: 1, read: "4", reserved: "A"))
        // A valid character read as surely is not.
        let valid = matcher.match(read("皖A72345", characters: doubting(2, 0.97)), against: reserved)
        #expect(matched(valid) == nil)
    }

    @Test func aProvinceLookAlikeMatchesOnlyWhereTheCameraDoubtedIt() {
        let doubted = matcher.match(read("津BC8Q11", characters: doubting(0, 0.3)), against: reserved)
        #expect(matched(doubted)?.rule == .confusion(position: 0, read: "津", reserved: "沪"))
        let certain = matcher.match(read("津BC8Q11", characters: sure), against: reserved)
        #expect(certain == .refer(.unsafeFuzzyMatch, suggestions: ["沪BC8Q11"]))
    }

    @Test func aNeighbourTheCameraWasSureOfIsReferredNotAdmitted() {
        // 皖A8Q9K2 is a real plate one confusion from the reservation 皖A8D9K2.
        let outcome = matcher.match(read("皖A8Q9K2", characters: doubting(3, 0.93)), against: reserved)
        #expect(outcome == .refer(.unsafeFuzzyMatch, suggestions: ["皖A8D9K2"]))
    }

    @Test func withoutMoreEvidenceThanTheOverallConfidenceNoNeighbourIsEverAdmitted() {
        // Every confusion of the standard table, at every confidence the gate
        // accepts: a near miss needs per-character confidences or likelihoods.
        // (A read no plate can be, such as 皖A1I345, is no neighbour: no car carries it.)
        for confusion in ConfusionModel.standard.confusions where confusion.truth.isASCII {
            let reservation = "皖A1\(confusion.truth)345"
            let neighbour = "皖A1\(confusion.read)345"
            guard (try? PlateNormalizer.normalize(neighbour)) != nil else { continue }
            for confidence in stride(from: 0.5, through: 1.0, by: 0.05) {
                let outcome = matcher.match(read(neighbour, confidence), against: [reservation] as Set<String>)
                #expect(matched(outcome) == nil, "\(neighbour) at \(confidence)")
            }
        }
    }

    @Test func aCandidateWithALikelihoodMatchesWhenTheReadDoesNot() {
        // A large new-energy plate the camera read short by its last letter.
        let outcome = matcher.match(
            read("皖A12345", 0.5, alternatives: [.init("皖A12345D", likelihood: 0.45)]),
            against: ["皖A12345D"] as Set<String>)
        #expect(matched(outcome)?.rule == .alternative("皖A12345D"))
    }

    @Test func aStringAlternativeIsOnlyASuggestion() {
        let outcome = matcher.match(read("皖A1234S", alternatives: [.init("皖A12345")]), against: reserved)
        #expect(outcome == .refer(.unsafeFuzzyMatch, suggestions: ["皖A12345"]))
    }

    @Test func aDecoyCandidateWithALowLikelihoodIsNotAdmitted() {
        // An unreserved car read correctly, the reservation it resembles listed as an outside chance.
        for likelihood in [0.01, 0.03, 0.05] {
            let outcome = matcher.match(
                read("皖A1234S", characters: sure, alternatives: [.init("皖A12345", likelihood: likelihood)]),
                against: reserved)
            #expect(matched(outcome) == nil, "likelihood \(likelihood)")
            let alone = matcher.match(
                read("皖A1234S", alternatives: [.init("皖A12345", likelihood: likelihood)]), against: reserved)
            #expect(matched(alone) == nil, "likelihood \(likelihood) without character confidences")
        }
    }

    @Test func aCandidateTheCharactersContradictIsNotAdmitted() {
        // The camera lists the reservation as likely, yet was sure of the character that tells them apart.
        let outcome = matcher.match(
            read("皖A1234S", 0.5, characters: sure, alternatives: [.init("皖A12345", likelihood: 0.45)]),
            against: reserved)
        #expect(matched(outcome) == nil)
    }

    @Test func likelihoodsAddingUpToMoreThanOneAreScaledDown() {
        // Read and candidate both "0.9": an even chance each, never an admission.
        let both: Set<String> = ["皖A8D9K2", "皖A809K2"]
        let outcome = matcher.match(
            read("皖A809K2", 0.9, alternatives: [.init("皖A8D9K2", likelihood: 0.9)]), against: both)
        #expect(outcome == .refer(.ambiguous, suggestions: ["皖A809K2", "皖A8D9K2"]))
    }

    @Test func aRunnerUpReservationMakesTheReadAmbiguous() {
        // The weak G is likelier a 6 than a C, but both are reserved: staff decide.
        let both: Set<String> = ["皖AY2658", "皖AY2C58"]
        let outcome = matcher.match(
            read(
                "皖AY2G58", 0.9,
                alternatives: [.init("皖AY2658", likelihood: 0.7), .init("皖AY2C58", likelihood: 0.06)]),
            against: both)
        #expect(outcome == .refer(.ambiguous, suggestions: ["皖AY2658", "皖AY2C58"]))
    }

    @Test func aReservationLeftOffTheListKeepsWhatItsCharactersGiveIt() {
        // The camera's top candidates name 皖AY2658, but its characters leave
        // the reserved 皖AY2C58 (a weak G read from a C) a real chance.
        let both: Set<String> = ["皖AY2658", "皖AY2C58"]
        let outcome = matcher.match(
            read(
                "皖AY2G58", 0.85, characters: [0.87, 0.89, 0.93, 0.88, 0.52, 0.94, 0.92],
                alternatives: [
                    .init("皖AY2658", likelihood: 0.66), .init("皖4Y2G58", likelihood: 0.1),
                    .init("皖AYZG58", likelihood: 0.08),
                ]),
            against: both)
        #expect(outcome == .refer(.ambiguous, suggestions: ["皖AY2658", "皖AY2C58"]))
    }

    @Test func aReservationTheCameraLeftOffItsListBlocksAnAdmission() {
        let both: Set<String> = ["皖A8D9K2", "皖A8Q9K2"]
        let outcome = matcher.match(
            read("皖A809K2", 0.5, alternatives: [.init("皖A8D9K2", likelihood: 0.45)]), against: both)
        #expect(outcome == .refer(.ambiguous, suggestions: ["皖A8D9K2", "皖A8Q9K2"]))
    }

    @Test func consecutiveReservedPlatesDoNotStopAConfidentExactRead() {
        let fleet: Set<String> = ["皖A12344", "皖A12345", "皖A12346"]
        let outcome = matcher.match(
            read("皖A12345", characters: [0.97, 0.97, 0.97, 0.97, 0.97, 0.97, 0.97]), against: fleet)
        #expect(matched(outcome)?.rule == .exact)
    }

    @Test func twoReservationsOneConfusionAwayAreAmbiguous() {
        // 皖A8B9K2 is one confusion from 皖A889K2 (B/8) and from 皖A8B9KZ (2/Z): staff decide.
        let outcome = matcher.match(
            read("皖A8B9K2", characters: [0.99, 0.99, 0.99, 0.4, 0.99, 0.99, 0.4]),
            against: ["皖A889K2", "皖A8B9KZ"] as Set<String>)
        #expect(outcome == .refer(.ambiguous, suggestions: ["皖A889K2", "皖A8B9KZ"]))
    }

    @Test func aDroppedCharacterOrTwoSubstitutionsAreNeverAdmitted() {
        #expect(matcher.match(read("皖A1234"), against: reserved) == .refer(.unsafeFuzzyMatch, suggestions: ["皖A12345"]))
        let twice = matcher.match(
            read("皖A7234S", characters: [0.99, 0.99, 0.2, 0.99, 0.99, 0.99, 0.2], alternatives: [.init("皖A12345")]),
            against: reserved)
        #expect(matched(twice) == nil)
    }

    @Test func aStrangerFarFromEveryReservationIsNoMatch() {
        #expect(matcher.match(read("京N77777"), against: reserved) == .noMatch)
    }

    @Test func lowConfidenceIsReferredEvenWhenExact() {
        #expect(
            matcher.match(read("皖A12345", 0.3), against: reserved) == .refer(.lowConfidence, suggestions: ["皖A12345"]))
    }

    @Test func characterConfidencesOfTheWrongCountAreIgnored() {
        let outcome = matcher.match(read("皖A8Q9K2", characters: [0.2, 0.2]), against: reserved)
        #expect(outcome == .refer(.unsafeFuzzyMatch, suggestions: ["皖A8D9K2"]))
    }
}

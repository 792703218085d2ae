import EdgeRules
import Testing

@Suite struct PlateMatcherTests {
    let matcher = PlateMatcher()
    let reserved: Set<String> = ["皖A12345", "皖A8D9K2", "沪BC8Q11", "粤B1234港"]
    let sure = [0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99]

    func read(_ text: String, _ confidence: Double = 0.95, characters: [Double]? = nil, alternatives: [String] = [])
        -> PlateMatcher.Read
    {
        PlateMatcher.Read(
            text: text, confidence: confidence, characterConfidences: characters, alternatives: alternatives)
    }

    @Test func exactReadMatches() {
        #expect(matcher.match(read("皖A·12345"), against: reserved) == .match(plate: "皖A12345", rule: .exact))
    }

    @Test func anAlternativeCandidateMatchesWhenTheReadDoesNot() {
        let outcome = matcher.match(read("皖A12346", alternatives: ["皖A12345", "皖A72346"]), against: reserved)
        #expect(outcome == .match(plate: "皖A12345", rule: .alternative("皖A12345")))
    }

    @Test func aConfusionAtTheWeakestUnsureCharacterMatches() {
        var confidences = sure
        confidences[3] = 0.4
        let outcome = matcher.match(read("皖A8Q9K2", characters: confidences), against: reserved)
        #expect(outcome == .match(plate: "皖A8D9K2", rule: .confusion(position: 3, read: "Q", reserved: "D")))
    }

    @Test func aConfusionWhereTheCameraWasSureIsReferredNotAdmitted() {
        let outcome = matcher.match(read("皖A8Q9K2", characters: sure), against: reserved)
        #expect(outcome == .refer(.unsafeFuzzyMatch, suggestions: ["皖A8D9K2"]))
    }

    @Test func aMisreadBreakingTheFormatStillMatchesThroughItsClass() {
        var confidences = sure
        confidences[2] = 0.5
        let outcome = matcher.match(read("皖AI2345", characters: confidences), against: reserved)
        #expect(outcome == .match(plate: "皖A12345", rule: .confusion(position: 2, read: "I", reserved: "1")))
    }

    @Test func aProvinceMisreadOrADroppedCharacterIsNeverAdmitted() {
        #expect(
            matcher.match(read("苏A12345"), against: reserved) == .refer(.unsafeFuzzyMatch, suggestions: ["皖A12345"]))
        #expect(matcher.match(read("皖A1234"), against: reserved) == .refer(.unsafeFuzzyMatch, suggestions: ["皖A12345"]))
    }

    @Test func aNonConfusableSubstitutionIsReferredAndAStrangerDenied() {
        #expect(
            matcher.match(read("皖A12347"), against: reserved) == .refer(.unsafeFuzzyMatch, suggestions: ["皖A12345"]))
        #expect(matcher.match(read("京N77777"), against: reserved) == .noMatch)
    }

    @Test func withoutCharacterConfidencesTheOverallRuleIsStricter() {
        #expect(
            matcher.match(read("皖A8Q9K2", 0.95), against: reserved)
                == .match(plate: "皖A8D9K2", rule: .confusion(position: 3, read: "Q", reserved: "D")))
        #expect(
            matcher.match(read("皖A8Q9K2", 0.8), against: reserved)
                == .refer(.unsafeFuzzyMatch, suggestions: ["皖A8D9K2"]))
    }

    @Test func twoReservationsOneConfusionAwayAreAmbiguous() {
        var confidences = sure
        confidences[6] = 0.3
        // 皖A8B9K2 is one confusion from 皖A889K2 (B/8) and from 皖A8B9KZ (2/Z): staff decide.
        let outcome = matcher.match(
            read("皖A8B9K2", characters: confidences), against: ["皖A889K2", "皖A8B9KZ"] as Set<String>)
        #expect(outcome == .refer(.ambiguous, suggestions: ["皖A889K2", "皖A8B9KZ"]))
    }

    @Test func lowConfidenceIsReferredEvenWhenExact() {
        #expect(
            matcher.match(read("皖A12345", 0.3), against: reserved) == .refer(.lowConfidence, suggestions: ["皖A12345"]))
    }
}

import Foundation
import MallDomain
import Testing

@Suite struct ConfusionModelTests {
    static let heldOut = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../deploy/plate-models/held-out-camera.json").standardized.path

    @Test(
        arguments: [
            ("1", "7"), ("7", "1"), ("0", "D"), ("D", "0"), ("0", "Q"), ("D", "Q"), ("8", "B"), ("B", "8"), ("2", "Z"),
            ("5", "S"), ("6", "G"), ("A", "4"), ("津", "沪"), ("贵", "青"),
        ] as [(Character, Character)])
    func theStandardTableHoldsTheKnownConfusions(truth: Character, read: Character) {
        let model = ConfusionModel.standard
        #expect(model.rate(truth: truth, read: read) > 10 * model.otherRate)
    }

    @Test func sharesOfOneReadCharacterAddUpToOneAtEveryPosition() {
        let model = ConfusionModel.standard
        for plate in ["皖A12345", "粤Z1234港", "使1234567", "粤BD12345"].map(Array.init) {
            for position in plate.indices {
                for read in Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") + ["皖", "沪", "港"] {
                    let shares = model.shares(whenWrongAbout: read, at: position, of: plate)
                    let total = shares.reduce(0) { $0 + $1.share }
                    #expect(shares.isEmpty || abs(total - 1) < 1e-9, "\(read) at \(position): \(total)")
                    for (truth, share) in shares {
                        #expect(model.share(of: truth, whenWrongAbout: read, at: position, of: plate) == share)
                    }
                }
            }
        }
    }

    @Test func onlyCharactersThePositionCanHoldAreTruths() {
        let model = ConfusionModel.standard
        let plate = Array("皖A12345")
        // Never across scripts: a digit is not a misread province.
        #expect(model.share(of: "皖", whenWrongAbout: "1", at: 2, of: plate) == 0)
        // An issuing letter is never a digit: a weak G there is a C, in a serial a 6.
        #expect(model.share(of: "C", whenWrongAbout: "G", at: 1, of: plate) > 0.5)
        #expect(model.share(of: "6", whenWrongAbout: "G", at: 1, of: plate) == 0)
        #expect(model.share(of: "6", whenWrongAbout: "G", at: 4, of: plate) > 0.5)
        // No serial holds an O: a weak D in a serial is not one.
        #expect(model.share(of: "O", whenWrongAbout: "D", at: 3, of: plate) == 0)
        // A suffix Hanzi only last.
        #expect(model.share(of: "澳", whenWrongAbout: "港", at: 6, of: plate) > 0.5)
        #expect(model.share(of: "澳", whenWrongAbout: "港", at: 0, of: plate) == 0)
    }

    @Test func commonCharactersWeighMoreThanRareOnesWhereTheyAreCommon() {
        // A weak 8 is read from B, 3 and 6; digits are far more common in most serial positions.
        let model = ConfusionModel.standard
        let plate = Array("皖A12345")
        #expect(
            model.share(of: "3", whenWrongAbout: "8", at: 5, of: plate)
                > model.share(of: "B", whenWrongAbout: "8", at: 5, of: plate))
        // The first serial character is a letter as often as a digit.
        #expect(
            model.share(of: "T", whenWrongAbout: "1", at: 2, of: plate) > 3
                * model.share(of: "T", whenWrongAbout: "1", at: 5, of: plate))
        #expect(
            model.weight(of: "0", at: 2) == 1 && model.weight(of: "0", at: 7) == 5.5
                && model.weight(of: "A", at: 5) == 1)
    }

    @Test func aFittedTableIsReadFromJSON() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.heldOut))
        let model = try ConfusionModel(json: [UInt8](data))
        #expect(model.rate(truth: "H", read: "N") == 0.004)
        #expect(model.rate(truth: "D", read: "Q") == model.otherRate)
        let weighted = try ConfusionModel(
            json: Array(#"{"otherRate":0,"confusions":[],"weights":{"皖":40}}"#.utf8))
        #expect(weighted.weights["皖"] == 40)
        let positioned = try ConfusionModel(
            json: Array(#"{"otherRate":0,"confusions":[],"weights":{"1":5},"positionWeights":{"2":{"1":2}}}"#.utf8))
        #expect(positioned.weight(of: "1", at: 2) == 2 && positioned.weight(of: "1", at: 3) == 5)
    }

    @Test(arguments: [
        ("[]", "the file", "not a JSON object"),
        (#"{"confusions":[]}"#, "otherRate", "required"),
        (#"{"otherRate":0.1,"confusions":[]}"#, "otherRate", "0 to 0.01"),
        (#"{"otherRate":0,"confusions":[],"extra":1}"#, "the file", "unknown key \"extra\""),
        (#"{"otherRate":0,"confusions":[{"truth":"1","read":"7"}]}"#, "confusions[0].rate", "required"),
        (#"{"otherRate":0,"confusions":[{"truth":"1","read":"7","rate":1}]}"#, "confusions[0].rate", "below 1"),
        (#"{"otherRate":0,"confusions":[{"truth":"1","read":"7","rate":-0.1}]}"#, "confusions[0].rate", "above 0"),
        (
            #"{"otherRate":0,"confusions":[{"truth":"17","read":"7","rate":0.1}]}"#, "confusions[0].truth",
            "one character"
        ),
        (#"{"otherRate":0,"confusions":[{"truth":"1","read":"1","rate":0.1}]}"#, "confusions[0]", "the same"),
        (#"{"otherRate":0,"confusions":[{"truth":"1","read":"皖","rate":0.1}]}"#, "confusions[0]", "both"),
        (#"{"otherRate":0,"confusions":[{"truth":"1","read":"€","rate":0.1}]}"#, "confusions[0]", "both"),
        (
            #"{"otherRate":0,"confusions":[{"truth":"1","read":"7","rate":0.1},{"truth":"1","read":"7","rate":0.2}]}"#,
            "confusions[1]", "listed twice"
        ),
        (
            #"{"otherRate":0,"confusions":[{"truth":"1","read":"7","rate":0.6},{"truth":"1","read":"I","rate":0.5}]}"#,
            "confusions[1]", "add up to 1"
        ),
        (
            #"{"otherRate":0,"confusions":[{"truth":"1","read":"7","rate":0.1,"why":"x"}]}"#, "confusions[0]",
            "unknown key"
        ),
        (#"{"otherRate":0,"confusions":[],"weights":{"1":0}}"#, "weights.1", "above 0"),
        (#"{"otherRate":0,"confusions":[],"weights":{"€":2}}"#, "weights.€", "not a plate character"),
        (#"{"otherRate":true,"confusions":[]}"#, "otherRate", "wrong type"),
        (#"{"otherRate":0,"confusions":[],"positionWeights":{"x":{"1":2}}}"#, "positionWeights.x", "positions"),
        (#"{"otherRate":0,"confusions":[],"positionWeights":{"02":{"1":2}}}"#, "positionWeights.02", "positions"),
        (#"{"otherRate":0,"confusions":[],"positionWeights":{"8":{"1":2}}}"#, "positionWeights.8", "0 to 7"),
        (#"{"otherRate":0,"confusions":[],"positionWeights":{"-1":{"1":2}}}"#, "positionWeights.-1", "0 to 7"),
        (#"{"otherRate":0,"confusions":[],"positionWeights":{"2":{"12":2}}}"#, "positionWeights.2.12", "one character"),
        (
            #"{"otherRate":0,"confusions":[],"positionWeights":{"2":{"1":1e300}}}"#, "positionWeights.2.1",
            "at most 1000"
        ),
        (#"{"otherRate":0,"confusions":[],"positionWeights":{"2":[1]}}"#, "positionWeights.2", "wrong type"),
    ])
    func aBrokenTableIsRefusedNamingTheEntry(json: String, field: String, problem: String) {
        let error = #expect(throws: ConfusionModelError.self) { try ConfusionModel(json: Array(json.utf8)) }
        #expect(error?.field == field, "\(String(describing: error))")
        #expect(error?.problem.contains(problem) == true, "\(String(describing: error))")
    }
}

import EdgeRules
import Foundation
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

    @Test func sharesOfOneReadCharacterAddUpToOne() {
        let model = ConfusionModel.standard
        for read in Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") + ["皖", "沪", "港"] {
            let total = ConfusionModel.alphabet(like: read).reduce(0) { $0 + model.share(of: $1, whenWrongAbout: read) }
            #expect(abs(total - 1) < 1e-9, "\(read): \(total)")
        }
        // Never across scripts: a digit is not a misread province.
        #expect(model.share(of: "皖", whenWrongAbout: "1") == 0)
    }

    @Test func commonCharactersWeighMoreThanRareOnes() {
        // A weak 8 is read from B, 3 and 6; digits are far more common on serials.
        let model = ConfusionModel.standard
        #expect(model.share(of: "3", whenWrongAbout: "8") > model.share(of: "B", whenWrongAbout: "8"))
    }

    @Test func aFittedTableIsReadFromJSON() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.heldOut))
        let model = try ConfusionModel(json: [UInt8](data))
        #expect(model.rate(truth: "H", read: "N") == 0.004)
        #expect(model.rate(truth: "D", read: "Q") == model.otherRate)
        let weighted = try ConfusionModel(
            json: Array(#"{"otherRate":0,"confusions":[],"weights":{"皖":40}}"#.utf8))
        #expect(weighted.weights["皖"] == 40)
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
    ])
    func aBrokenTableIsRefusedNamingTheEntry(json: String, field: String, problem: String) {
        let error = #expect(throws: ConfusionModelError.self) { try ConfusionModel(json: Array(json.utf8)) }
        #expect(error?.field == field, "\(String(describing: error))")
        #expect(error?.problem.contains(problem) == true, "\(String(describing: error))")
    }
}

import Foundation
import MallDomain
import Testing

private let ccpdPlates = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../../shared/data/plates/ccpd-plates.txt").standardized.path

@Suite struct PlateNormalizerTests {
    @Test(arguments: [
        ("皖A12345", "皖A12345", Plate.Kind.ordinary),
        ("皖A·12345", "皖A12345", .ordinary),
        ("皖 a-123.45", "皖A12345", .ordinary),
        ("皖Ａ１２３４５", "皖A12345", .ordinary),
        ("滬B・C8Q11", "沪BC8Q11", .ordinary),
        ("粵B1234港", "粤B1234港", .suffixed),
        ("鲁B1234學", "鲁B1234学", .suffixed),
        ("京A1234警", "京A1234警", .suffixed),
        ("苏E1234掛", "苏E1234挂", .suffixed),
        ("沪AD12345", "沪AD12345", .newEnergy),
        ("沪A12345F", "沪A12345F", .newEnergy),
        ("使014578", "使014578", .embassy),
        // Compatibility ideographs canonically equivalent to a plate's Hanzi
        ("\u{FA75}A12345", "冀A12345", .ordinary),
        ("粤B1234\u{2F908}", "粤B1234港", .suffixed),
    ])
    func normalises(raw: String, text: String, kind: Plate.Kind) throws {
        let plate = try PlateNormalizer.normalize(raw)
        // Spelled alike, scalar for scalar (`==` on strings is canonical equivalence)
        #expect(Array(plate.text.unicodeScalars) == Array(text.unicodeScalars))
        #expect(plate.kind == kind)
        #expect(plate.raw == raw)
    }

    @Test(arguments: [
        ("皖\u{0410}12345", PlateError.foreignScript("\u{0410}", position: 1)),  // Cyrillic А
        ("皖A1234\u{0392}", .foreignScript("\u{0392}", position: 6)),  // Greek Β
        ("皖A12345\u{0663}", .foreignScript("\u{0663}", position: 7)),  // Arabic-Indic 3
        ("", .empty),
        (" · ", .empty),
        ("皖A1234", .wrongLength(6)),
        ("皖A1234567", .wrongLength(9)),
        ("XA12345", .unknownProvince("X")),
        ("中A12345", .unexpectedCharacter("中", position: 0)),
        ("皖AI2345", .notAPlateFormat("皖AI2345")),
        ("皖112345", .notAPlateFormat("皖112345")),
        ("沪AX12345", .notAPlateFormat("沪AX12345")),
        ("皖A12#45", .unexpectedCharacter("#", position: 4)),
    ])
    func refuses(raw: String, error: PlateError) {
        #expect(throws: error) { try PlateNormalizer.normalize(raw) }
    }

    /// Every one of the 66,873 real plates of the CCPD data set is a valid
    /// ordinary plate and normalises to itself.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: ccpdPlates)))
    func everyRealPlateNormalisesToItself() throws {
        let plates = try String(contentsOfFile: ccpdPlates, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(plates.count == 66_873)
        var failures: [String] = []
        for raw in plates {
            guard let plate = try? PlateNormalizer.normalize(raw), plate.text == raw, plate.kind == .ordinary else {
                failures.append(raw)
                continue
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failed, first: \(failures.prefix(5))")
    }

    /// A read already canonical takes a shorter way than one that needs
    /// cleaning: both ways must agree, on plates and on what is not one.
    /// Each string of the canonical alphabet (plate Hanzi, capitals,
    /// digits) is normalised as it is and again with a separator and a
    /// lower-case letter that send it the long way.
    @Test func aCanonicalReadAndItsUncleanSpellingAgree() throws {
        let alphabet = Array("京沪粤皖使警学港DFIOAZ0189")
        var random = SystemRandomNumberGenerator()
        let plates = ["皖A12345", "沪AD12345", "沪A12345F", "粤B1234港", "京A1234警", "使014578"]
        let randomReads = (0..<20_000).map { round in
            String((0..<round % 10).map { _ in alphabet.randomElement(using: &random)! })
        }
        var platesFound = 0
        for canonical in plates + randomReads {
            let unclean = canonical.isEmpty ? " " : canonical.dropLast() + "·" + canonical.suffix(1).lowercased()
            let short = Result { () throws(PlateError) in try PlateNormalizer.normalize(canonical) }
            let long = Result { () throws(PlateError) in try PlateNormalizer.normalize(unclean) }
            switch (short, long) {
            case (.success(let short), .success(let long)):
                platesFound += 1
                #expect(short.text == canonical && long.text == canonical && short.kind == long.kind, "\(canonical)")
            case (.failure(let short), .failure(let long)):
                #expect(short == long, "\(canonical)")
            default:
                Issue.record("\(canonical): \(short) against \(unclean): \(long)")
            }
        }
        #expect(platesFound >= plates.count)
    }
}

import Testing

@testable import SyncCore

/// Text in the compact encodings: valid UTF-8 comes back as itself, and
/// every kind of invalid UTF-8 is refused (never repaired into something
/// else), whichever way the reader checks it; names sort by their bytes.
@Suite struct CompactTextTests {
    /// The length-prefixed text `bytes` as a reader finds it.
    static func read(_ bytes: [UInt8]) throws(CompactBytes.Malformed) -> String {
        try CompactBytes.read([UInt8(bytes.count)] + bytes) { reader throws(CompactBytes.Malformed) in
            try reader.text()
        }
    }

    @Test(arguments: ["", "gate-1", "沪A12345", "a\u{0}b", "é", "e\u{301}", "\u{FFFD}", "🚗", "\u{10FFFF}"])
    func validTextComesBackAsItself(text: String) throws {
        #expect(try Self.read(Array(text.utf8)) == text)
    }

    @Test(
        arguments: [
            [0xFF], [0xC0, 0x80],  // a byte never in UTF-8; an overlong NUL
            [0xE6, 0xB2],  // 沪 cut short
            [0xE6, 0xB2, 0x41],  // cut short, then ASCII
            [0xEF, 0xBF],  // U+FFFD cut short: a repair would write the very sequence it misses
            [0xED, 0xA0, 0x80],  // a UTF-16 surrogate
            [0xF4, 0x90, 0x80, 0x80],  // past U+10FFFF
            [0x80], [0x41, 0xBF, 0x41],  // continuation bytes with no lead
        ] as [[UInt8]])
    func invalidTextIsRefused(bytes: [UInt8]) {
        #expect(throws: CompactBytes.Malformed.self) { try Self.read(bytes) }
        #expect(String(validating: bytes, as: UTF8.self) == nil)
    }

    /// Every string of up to three bytes from a set that mixes ASCII, lead
    /// and continuation bytes: the reader accepts exactly what the standard
    /// library's strict validation accepts.
    @Test func readerAgreesWithStrictValidation() {
        let alphabet: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0xBF, 0xBD, 0xC2, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xFF]
        var longest: [[UInt8]] = [[]]
        var cases = longest
        for _ in 1...3 {
            longest = longest.flatMap { prefix in alphabet.map { prefix + [$0] } }
            cases += longest
        }
        #expect(cases.count == 1 + 13 + 169 + 2197)
        for bytes in cases {
            let strict = String(validating: bytes, as: UTF8.self)
            #expect((try? Self.read(bytes)) == strict, "bytes \(bytes)")
        }
    }

    /// Texts longer than a word, checked a word at a time: one bad byte
    /// anywhere, in a word or in the tail after the last whole word, is
    /// refused.
    @Test func aLongTextWithOneBadByteAnywhereIsRefused() throws {
        for length in 1...26 {
            let valid = [UInt8](repeating: 0x41, count: length)
            #expect(try Self.read(valid) == String(repeating: "A", count: length))
            for position in 0..<length {
                var flawed = valid
                flawed[position] = 0xFF
                #expect(throws: CompactBytes.Malformed.self, "length \(length), bad byte at \(position)") {
                    try Self.read(flawed)
                }
            }
        }
        let plates = "沪A12345·京B67890·粤C24680"
        #expect(try Self.read(Array(plates.utf8)) == plates)
    }

    @Test func sameBytesComparesEveryByteAndTheLength() {
        for length in 0...20 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 1) }
            bytes.withUnsafeBufferPointer { left in
                bytes.withUnsafeBufferPointer { right in #expect(CompactBytes.same(left, right)) }
                (bytes + [0]).withUnsafeBufferPointer { longer in #expect(!CompactBytes.same(left, longer)) }
                for position in 0..<length {
                    var other = bytes
                    other[position] ^= 0x80
                    other.withUnsafeBufferPointer { right in
                        #expect(!CompactBytes.same(left, right), "length \(length), differing at \(position)")
                    }
                }
            }
        }
    }

    @Test func namesSortByTheirBytes() {
        let names = ["", "a", "Z", "zone", "Zone", "é", "e\u{301}", "ab", "a\u{0}", "沪", "🚗"]
        for left in names {
            for right in names {
                #expect(left.precedesBytewise(right) == left.utf8.lexicographicallyPrecedes(right.utf8))
            }
        }
    }
}

import Testing

@testable import MallDomain
@testable import SyncCore

/// The stored merge state (SPEC §12.5): every state comes back as it went
/// in, one state has one encoding, and no bytes, however broken, trap.
@Suite struct RowStateBytesTests {
    typealias Random = MergePropertyTests.Random

    static func stamp(_ random: inout Random) -> Stamp {
        let walls: [UInt64] = [0, 1, 127, 128, 1_800_000_000_000, UInt64.max]
        let counters: [UInt32] = [0, 1, 300, UInt32.max]
        return Stamp(
            hlc: HybridTimestamp(
                wallMillis: walls[random.int(0..<walls.count)], counter: counters[random.int(0..<counters.count)]),
            id: ChangeID(
                origin: ["hub", "gate-1", "g"][random.int(0..<3)], epoch: walls[random.int(0..<walls.count)],
                seq: walls[random.int(0..<walls.count)]))
    }

    static func state(_ random: inout Random) -> RowState {
        let values: [Value] = [
            .null, .int(0), .int(-1), .int(64), .int(-65), .int(Int64.min), .int(Int64.max), .text(""),
            .text("沪A12345"), .text("a\u{0}b"), .text(String(repeating: "x", count: 300)),
        ]
        var state = RowState(inserted: random.int(0..<2) == 0, deleted: random.int(0..<3) == 0 ? stamp(&random) : nil)
        for _ in 0..<random.int(0..<8) {
            let name = ["plate", "status", "zone", "é", "a", "Z", "window_end"][random.int(0..<7)]
            state.cells[name] = .init(value: values[random.int(0..<values.count)], stamp: stamp(&random))
        }
        return state
    }

    @Test(arguments: 1...300 as ClosedRange<UInt64>)
    func everyStateComesBackAsItWentIn(seed: UInt64) throws {
        var random = Random(state: seed &* 0x9E37_79B9_7F4A_7C15 | 1)
        let state = Self.state(&random)
        #expect(try RowState(bytes: state.bytes) == state)
    }

    /// Cells go in order of their names' UTF-8 bytes, whatever order the
    /// dictionary holds them in, and a decoder takes no other order.
    @Test func oneStateHasOneEncodingAndOtherOrdersAreRefused() throws {
        let stamp = Stamp(hlc: HybridTimestamp(wallMillis: 5), id: ChangeID(origin: "hq", epoch: 1, seq: 1))
        var state = RowState(inserted: true)
        for name in ["zone", "Zone", "é", "a"] { state.cells[name] = .init(value: .int(1), stamp: stamp) }
        var copy = RowState(inserted: true)
        for name in ["a", "é", "Zone", "zone"] { copy.cells[name] = .init(value: .int(1), stamp: stamp) }
        #expect(state.bytes == copy.bytes)

        // Two cells, "a" then "b": swap them in the bytes.
        var two = RowState(inserted: true)
        two.cells["a"] = .init(value: .null, stamp: stamp)
        two.cells["b"] = .init(value: .null, stamp: stamp)
        var bytes = two.bytes
        let first = bytes.firstIndex(of: UInt8(ascii: "a"))!
        let second = bytes.firstIndex(of: UInt8(ascii: "b"))!
        bytes[first] = UInt8(ascii: "b")
        bytes[second] = UInt8(ascii: "a")
        #expect(throws: CompactBytes.Malformed.self) { try RowState(bytes: bytes) }
        // A cell named twice is out of order too.
        bytes[first] = UInt8(ascii: "a")
        bytes[second] = UInt8(ascii: "a")
        #expect(throws: CompactBytes.Malformed.self) { try RowState(bytes: bytes) }
    }

    /// Every prefix of a valid encoding, a byte changed anywhere, bytes
    /// appended, another version, a varint past 64 bits, a counter past 32,
    /// a count promising more cells than bytes: an error, never a trap.
    @Test(arguments: 1...40 as ClosedRange<UInt64>)
    func brokenBytesAreAnErrorNeverATrap(seed: UInt64) {
        var random = Random(state: seed &* 0xD1B5_4A32_D192_ED03 | 1)
        let bytes = Self.state(&random).bytes
        for length in 0..<bytes.count {
            #expect(throws: CompactBytes.Malformed.self) { try RowState(bytes: Array(bytes[..<length])) }
        }
        #expect(throws: CompactBytes.Malformed.self) { try RowState(bytes: bytes + [0]) }
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var broken = bytes
                broken[index] ^= flip
                // Decodes to something, or refuses: either way, no trap.
                _ = try? RowState(bytes: broken)
            }
        }
    }

    /// Bytes a reader must refuse, each for one reason (published in the vectors).
    static let refused: [(String, [UInt8])] = [
        ("version 2", [2, 1, 0]),
        ("an unknown flag", [1, 4, 0]),
        ("a varint beyond 64 bits", [1, 1] + Array(repeating: 0xFF, count: 9) + [0x02]),
        ("an eleven-byte varint", [1, 1] + Array(repeating: 0x80, count: 10) + [0x00]),
        ("a million cells promised in three bytes", [1, 1, 0xC0, 0x84, 0x3D]),
        // The delete stamp: wall 0, then a counter of 2^32.
        ("a clock counter past 32 bits", [1, 2, 0, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0, 0, 0]),
        ("an origin that is not UTF-8", [1, 2, 0, 0, 1, 0xFF, 0, 0, 0]),
        ("value tag 3", [1, 1, 1, 1, UInt8(ascii: "a"), 3]),
        ("a text longer than what is left", [1, 1, 1, 5, UInt8(ascii: "a")]),
        ("a byte left over", [1, 0, 0, 0]),
        ("a varint longer than it needs: no cells, in two bytes", [1, 0, 0x80, 0]),
        (
            "one cell named twice",
            [1, 1, 2] + [1, UInt8(ascii: "a"), 0, 0, 0, 0, 0, 0] + [1, UInt8(ascii: "a"), 0, 0, 0, 0, 0, 0]
        ),
    ]

    @Test func outOfRangeFieldsAreRefused() {
        for (name, bytes) in Self.refused {
            #expect(throws: CompactBytes.Malformed.self, "\(name)") { try RowState(bytes: bytes) }
        }
    }

    /// Two spellings of one name in byte order ("e" and a combining acute,
    /// then "é") are one key to Swift's strings: refused as a repeated
    /// name rather than merged into one cell.
    @Test func canonicallyEquivalentNamesAreRepeatedNames() {
        let bytes: [UInt8] = [1, 1, 2] + [3, 0x65, 0xCC, 0x81, 0, 0, 0, 0, 0, 0] + [2, 0xC3, 0xA9, 0, 0, 0, 0, 0, 0]
        #expect(throws: CompactBytes.Malformed.self) { try RowState(bytes: bytes) }
    }

    @Test func integersTakeTheirZigzagVarint() {
        let stamp = Stamp(hlc: HybridTimestamp(wallMillis: 1), id: ChangeID(origin: "h", epoch: 2, seq: 3))
        var state = RowState(inserted: true)
        state.cells["n"] = .init(value: .int(-65), stamp: stamp)
        // version, flags (inserted), 1 cell, "n", int tag, zigzag(-65) = 129 =
        // 0x81 0x01, then the stamp: wall 1, counter 0, "h", epoch 2, seq 3.
        #expect(state.bytes == [1, 1, 1, 1, 0x6E, 1, 0x81, 0x01, 1, 0, 1, 0x68, 2, 3])
    }
}

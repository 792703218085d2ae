import Testing

@testable import SyncCore

/// A few columns read straight from a state's bytes: the same values a
/// whole decode holds, and broken bytes an error, never a trap.
@Suite struct RowStateProjectionTests {
    typealias Random = MergePropertyTests.Random

    static let projection = RowState.Projection(["plate", "status", "é", "missing"])

    static func wholeDecode(_ bytes: [UInt8]) throws -> [String: Value] {
        let cells = try RowState(bytes: bytes).cells
        return projection.names.reduce(into: [:]) { values, name in
            if let value = cells[name]?.value, value != .null { values[name] = value }
        }
    }

    static func projected(_ bytes: [UInt8]) throws -> [String: Value] {
        try bytes.withUnsafeBytes { try RowState.values(of: projection, inBytes: $0) }
    }

    @Test(arguments: 1...300 as ClosedRange<UInt64>)
    func theProjectionHoldsWhatAWholeDecodeHolds(seed: UInt64) throws {
        var random = Random(state: seed &* 0x9E37_79B9_7F4A_7C15 | 1)
        let bytes = RowStateBytesTests.state(&random).bytes
        #expect(try Self.projected(bytes) == Self.wholeDecode(bytes))
    }

    @Test(arguments: 1...40 as ClosedRange<UInt64>)
    func brokenBytesAreAnErrorNeverATrap(seed: UInt64) {
        var random = Random(state: seed &* 0xD1B5_4A32_D192_ED03 | 1)
        let bytes = RowStateBytesTests.state(&random).bytes
        for length in 0..<bytes.count {
            #expect(throws: CompactBytes.Malformed.self) { try Self.projected(Array(bytes[..<length])) }
        }
        #expect(throws: CompactBytes.Malformed.self) { try Self.projected(bytes + [0]) }
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var broken = bytes
                broken[index] ^= flip
                _ = try? Self.projected(broken)
            }
        }
    }

    /// What a whole decode refuses for the shape of the bytes, the
    /// projection refuses too (the order of names is checked where states
    /// are stored, not here).
    @Test func malformedShapesAreRefused() {
        for (reason, bytes) in RowStateBytesTests.refused
        where reason != "one cell named twice" && reason != "an origin that is not UTF-8" {
            #expect(throws: CompactBytes.Malformed.self, "\(reason)") { try Self.projected(bytes) }
        }
    }
}

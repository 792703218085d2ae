import Testing

@testable import MallDomain
@testable import SyncCore

/// A row's canonical bytes (SPEC §12.4) read straight from its state's
/// compact bytes (§12.5) are the bytes of the decoded state, for every
/// state; bytes that do not decode leave nothing behind.
@Suite struct CanonicalBytesTranscodingTests {
    typealias Random = MergePropertyTests.Random

    @Test(arguments: 1...500 as ClosedRange<UInt64>)
    func aStateReadAsBytesGivesTheCanonicalBytesOfTheDecodedState(seed: UInt64) throws {
        var random = Random(state: seed &* 0xA076_1D64_78BD_642F | 1)
        let state = RowStateBytesTests.state(&random)
        let decoded = SnapshotRow(table: "reservations", key: "r-\(seed)", seq: seed, state: state)
        let read = try SnapshotRow(table: "reservations", key: "r-\(seed)", seq: seed, stateBytes: state.bytes)
        #expect(read.decodedFrom != nil && decoded.decodedFrom == nil)
        #expect(ReplicaDigest.canonicalBytes(of: read) == ReplicaDigest.canonicalBytes(of: decoded))
    }

    @Test(arguments: 1...40 as ClosedRange<UInt64>)
    func bytesThatDoNotDecodeAppendNothing(seed: UInt64) {
        var random = Random(state: seed &* 0xE703_7ED1_A0B4_28DB | 1)
        let bytes = RowStateBytesTests.state(&random).bytes
        var canonical = CanonicalBytes()
        canonical.append(text: "before")
        let before = canonical.bytes
        for length in 0..<bytes.count {
            let appended = canonical.append(transcoding: Array(bytes[..<length]))
            #expect(!appended && canonical.bytes == before)
        }
        let longer = canonical.append(transcoding: bytes + [0])
        let otherVersion = canonical.append(transcoding: [2] + bytes.dropFirst())
        #expect(!longer && !otherVersion && canonical.bytes == before)
        let whole = canonical.append(transcoding: bytes)
        #expect(whole && canonical.bytes.count > before.count)
    }
}

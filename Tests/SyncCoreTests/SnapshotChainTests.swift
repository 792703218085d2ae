import Testing

@testable import MallDomain
@testable import SyncCore

/// The snapshot chain of SPEC §9.5, as the published window vectors carry it:
/// an implementation from the spec checks its chain against theirs.
@Suite struct SnapshotChainTests {
    func part(_ file: String) throws -> SnapshotPart {
        let vector = try ProtocolVectors.load(file)
        guard case .snapshotPart(let part) = try WireCodec(schema: .mall).decode(vector.payload) else {
            throw ProtocolVectors.FormatError(description: "\(file) is not a snapshot part")
        }
        return part
    }

    @Test func theWindowVectorsCarryTheChainOfTheirRows() throws {
        let first = try part("valid/snapshot-window-first.json")
        let last = try part("valid/snapshot-window-last-empty.json")
        #expect(first.window?.chainVersion == nil && last.window?.chainVersion == nil)
        #expect(first.window?.chain == SnapshotChain.next(after: "", rows: first.rows, version: .canonical))
        #expect(
            last.window?.chain == SnapshotChain.next(after: first.window?.chain ?? "", rows: [], version: .canonical))
        #expect(last.window?.after == first.window?.through)
    }

    /// The vector's chain of version 2 was computed from the spec's text
    /// alone (a few lines of Python over the base64 `rowBytes`), not by
    /// this code.
    @Test func theVersion2VectorCarriesTheChainOfItsRowsBytes() throws {
        let window = try part("valid/snapshot-window-chain-2.json")
        let sameRowAsJSON = try part("valid/snapshot-window-first.json")
        #expect(window.window?.chainVersion == 2 && window.rows == sameRowAsJSON.rows)
        #expect(window.window?.chain == SnapshotChain.next(after: "", rows: window.rows, version: .stateBytes))
        // A row decoded from JSON is encoded to the same bytes.
        #expect(window.window?.chain == SnapshotChain.next(after: "", rows: sameRowAsJSON.rows, version: .stateBytes))
        #expect(
            SnapshotChain.next(after: window.window?.chain ?? "", rows: [], version: .stateBytes)
                == "887703b236cc1c294b93cb07049147c710e50badf5b9b79cf50c132063d3489f")
    }

    @Test(arguments: [SnapshotChain.Version.canonical, .stateBytes])
    func theChainDependsOnEveryRowAndWhatCameBefore(version: SnapshotChain.Version) {
        let row = SnapshotRow(table: "vehicles", key: "v-1", seq: 3, state: RowState(inserted: true))
        var other = row
        other.state.inserted = false
        let start = SnapshotChain.next(after: "", rows: [row], version: version)
        #expect(SnapshotChain.isWellFormed(start) && start.utf8.count == 64)
        #expect(SnapshotChain.next(after: "", rows: [other], version: version) != start)
        #expect(SnapshotChain.next(after: start, rows: [row], version: version) != start)
        // Rows are hashed one after the other: a window split elsewhere gives another chain.
        #expect(
            SnapshotChain.next(
                after: SnapshotChain.next(after: "", rows: [row], version: version), rows: [row],
                version: version)
                != SnapshotChain.next(after: "", rows: [row, row], version: version))
        // The versions never give one chain for the same rows.
        let otherVersion: SnapshotChain.Version = version == .canonical ? .stateBytes : .canonical
        #expect(SnapshotChain.next(after: "", rows: [row], version: otherVersion) != start)
    }

    /// Version 2 covers what version 1 leaves out: the row's seq, and the
    /// ids of the changes behind its stamps.
    @Test func version2CoversTheSeqAndTheStampsIds() {
        let stamp = Stamp(
            hlc: HybridTimestamp(wallMillis: 1_700_000_000_000, counter: 0),
            id: ChangeID(origin: "hub", epoch: 1, seq: 4))
        var renumbered = stamp
        renumbered.id.seq = 5
        let row = SnapshotRow(
            table: "vehicles", key: "v-1", seq: 3,
            state: RowState(inserted: true, cells: ["plate": .init(value: .text("沪A12345"), stamp: stamp)]))
        var laterSeq = row
        laterSeq.seq = 4
        var otherID = row
        otherID.state.cells["plate"]?.stamp = renumbered
        for changed in [laterSeq, otherID] {
            #expect(
                SnapshotChain.next(after: "", rows: [changed], version: .stateBytes)
                    != SnapshotChain.next(after: "", rows: [row], version: .stateBytes))
        }
        #expect(
            SnapshotChain.next(after: "", rows: [laterSeq], version: .canonical)
                == SnapshotChain.next(after: "", rows: [row], version: .canonical))
    }

    /// A hub answers with the newest version it serves not above the
    /// node's; a node that names none, or a version below 2, gets version 1.
    @Test func theHubServesTheNewestVersionTheNodeChecks() {
        #expect(SnapshotChain.Version.served(asked: nil) == .canonical)
        #expect(SnapshotChain.Version.served(asked: 1) == .canonical)
        #expect(SnapshotChain.Version.served(asked: 2) == .stateBytes)
        #expect(SnapshotChain.Version.served(asked: 7) == .newest)
        #expect(SnapshotChain.Version.served(asked: 0) == .canonical)
        #expect(SnapshotChain.Version.served(asked: Int.min) == .canonical)
    }
}

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
        #expect(first.window?.chain == SnapshotChain.next(after: "", rows: first.rows))
        #expect(last.window?.chain == SnapshotChain.next(after: first.window?.chain ?? "", rows: []))
        #expect(last.window?.after == first.window?.through)
    }

    @Test func theChainDependsOnEveryRowAndWhatCameBefore() {
        let row = SnapshotRow(table: "vehicles", key: "v-1", seq: 3, state: RowState(inserted: true))
        var other = row
        other.state.inserted = false
        let start = SnapshotChain.next(after: "", rows: [row])
        #expect(SnapshotChain.isWellFormed(start) && start.utf8.count == 64)
        #expect(SnapshotChain.next(after: "", rows: [other]) != start)
        #expect(SnapshotChain.next(after: start, rows: [row]) != start)
        // Rows are hashed one after the other: a window split elsewhere gives another chain.
        #expect(
            SnapshotChain.next(after: SnapshotChain.next(after: "", rows: [row]), rows: [row])
                != SnapshotChain.next(after: "", rows: [row, row]))
    }
}

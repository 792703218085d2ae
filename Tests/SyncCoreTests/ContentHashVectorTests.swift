import Testing

@testable import MallDomain
@testable import SyncCore

/// The content hashes SPEC §4.1 gives for the changes of its vectors: the
/// hub and every node must compute these same 16 digits, or a change sent
/// again would be taken for a different one.
@Suite struct ContentHashVectorTests {
    @Test(arguments: [
        ("valid/changes-gate-passage.json", ["b99fed991c2d5331"]),
        ("valid/changes-reservation-delete.json", ["4fa2ee536e99d1aa"]),
        ("valid/batch-two-entries.json", ["b99fed991c2d5331", "fd0fca7644af486d"]),
        ("valid/batch-conflict-row.json", ["573ead33069c374a", "4439f690931bfba4"]),
    ])
    func changesOfTheVectorsHashAsTheSpecSays(file: String, hashes: [String]) throws {
        let message = try WireCodec(schema: .mall).decode(try ProtocolVectors.load(file).payload)
        let changes: [Change] =
            switch message {
            case .changes(let batch): batch.changes
            case .batch(let batch): batch.entries.map(\.change)
            default: []
            }
        #expect(changes.map(\.contentHash) == hashes, "\(file)")
    }
}

import Testing

@testable import MallDomain
@testable import SyncCore

/// A message whose items travel as bytes (SPEC §7.2) is written with its
/// base64 put into the JSON after the rest: the bytes are exactly the JSON
/// encoder's, whatever the other fields hold.
@Suite struct WireBulkBytesTests {
    static let channel = Channel(mall: "mall-1", kind: .parking)
    /// Texts that would break a careless search for the bulk's field.
    static let awkward = ["plain", "\"rowBytes\":\"\"", "\"entryBytes\":\"\" \\ /", "沪A·12345\u{1}"]

    func change(_ text: String, seq: UInt64) -> Change {
        Change(
            id: ChangeID(origin: "gate-1", epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: 1_800_000_000_000),
            table: "gate_passages", key: "p-\(seq)", channel: Self.channel, op: .insert,
            columns: ["plate_raw": .text(text), "rowBytes": .text(text), "confidence": .int(-99)])
    }

    func messages(_ text: String) -> [WireMessage] {
        let changes = (1...3).map { change(text, seq: $0) }
        var state = RowState(inserted: true)
        state.cells["note"] = .init(
            value: .text(text), stamp: Stamp(hlc: HybridTimestamp(wallMillis: 5), id: changes[0].id))
        let rows = [SnapshotRow(table: "reservations", key: text, seq: 7, state: state)]
        return [
            .changes(ChangeBatch(node: "gate-1", sentAt: 1, changes: changes, history: text, changesAsBytes: true)),
            .batch(
                LogBatch(
                    channel: Self.channel, prev: 0, upTo: 3,
                    entries: changes.map { LogEntry(seq: $0.id.seq, change: $0) },
                    history: text, entriesAsBytes: true, more: true)),
            .snapshotPart(
                SnapshotPart(
                    node: "gate-1", channel: Self.channel, snapshotID: text, at: 3, part: 0, parts: 1, rows: rows,
                    history: text, rowsAsBytes: true)),
        ]
    }

    @Test(arguments: awkward)
    func theSplicedBulkIsTheEncodersOwnBytes(text: String) throws {
        let codec = WireCodec(schema: .mall)
        for message in messages(text) {
            let spliced = try #require(codec.encodeSplicingBulk(message))
            #expect(spliced == codec.encodeJSON(message))
            #expect(codec.encode(message) == spliced)
        }
    }

    @Test func messagesWithoutBytesOrItemsAreNotSpliced() {
        let codec = WireCodec(schema: .mall)
        let empty = ChangeBatch(node: "gate-1", sentAt: 1, changes: [], changesAsBytes: true)
        let asJSON = ChangeBatch(node: "gate-1", sentAt: 1, changes: [change("x", seq: 1)])
        for message in [WireMessage.changes(empty), .changes(asJSON)] {
            #expect(codec.encodeSplicingBulk(message) == nil)
        }
        #expect(codec.encode(.changes(empty)) == codec.encodeJSON(.changes(empty)))
    }
}

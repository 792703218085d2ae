import Testing

@testable import MallDomain
@testable import SyncCore

@Suite struct MessageBudgetTests {
    static let awkwardTexts = [
        "plain", "沪A·12345", "quote \" and backslash \\", "tab\tnew\nline\u{1}\u{7}", "slash / kept",
        String(repeating: "\u{2}", count: 2000), String(repeating: "满", count: 5000),
    ]

    func change(_ text: String, seq: UInt64) -> Change {
        Change(
            id: ChangeID(origin: "gate-1", epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: 1_800_000_000_000),
            table: "gate_passages", key: "p-\(seq)", channel: Channel(mall: "mall-1", kind: .parking), op: .insert,
            columns: ["plate_raw": .text(text), "lane": .text(text), "confidence": .int(-99)])
    }

    @Test(arguments: awkwardTexts)
    func estimateIsNeverBelowTheEncodedSize(text: String) {
        let change = change(text, seq: 1)
        let alone = WireCodec(schema: .mall).encode(.changes(ChangeBatch(node: "gate-1", sentAt: 0, changes: [change])))
        let empty = WireCodec(schema: .mall).encode(.changes(ChangeBatch(node: "gate-1", sentAt: 0, changes: [])))
        #expect(MessageBudget.size(of: change) >= alone.count - empty.count)
    }

    @Test(arguments: awkwardTexts)
    func estimateOfARowAsBytesIsNeverBelowItsEncodedSize(text: String) {
        var state = RowState(inserted: true)
        let stamp = Stamp(
            hlc: HybridTimestamp(wallMillis: .max, counter: .max), id: ChangeID(origin: text, epoch: 1, seq: 1))
        for name in ["plate", "lane", text] { state.cells[name] = .init(value: .text(text), stamp: stamp) }
        let row = SnapshotRow(table: "reservations", key: text, seq: WireMessage.maxInteger, state: state)
        func part(_ rows: [SnapshotRow]) -> Int {
            WireCodec(schema: .mall).encode(
                .snapshotPart(
                    SnapshotPart(
                        node: "gate-1", channel: Channel(mall: "mall-1", kind: .parking), snapshotID: "s", at: 1,
                        part: 0, parts: 1, rows: rows, rowsAsBytes: true))
            ).count
        }
        #expect(MessageBudget.size(asBytes: row) >= part([row]) - part([]))
        #expect(MessageBudget.size(asBytes: row) <= part([row]) - part([]) + 60)
    }

    @Test func chunksStayWithinTheBudgetAndKeepOrder() {
        let changes = (1...400).map { change(String(repeating: "满", count: 1000 + Int($0) * 7), seq: UInt64($0)) }
        let chunks = MessageBudget.chunks(changes, maxItems: 250, size: MessageBudget.size(of:))
        #expect(chunks.flatMap { $0 }.map(\.id.seq) == (1...400).map(UInt64.init))
        for chunk in chunks {
            let bytes = WireCodec(schema: .mall).encode(
                .changes(ChangeBatch(node: "gate-1", sentAt: 0, changes: Array(chunk)))
            )
            .count
            #expect(bytes <= MessageBudget.bytes)
            #expect(bytes < WireCodec(schema: .mall).maxPayloadBytes)
        }
    }
}

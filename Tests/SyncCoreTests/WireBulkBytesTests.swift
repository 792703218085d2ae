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

    /// Messages the codec takes (the schema's columns, valid ids), each
    /// with the awkward text in a column the bytes carry.
    func validMessages(_ text: String) -> [WireMessage] {
        let changes = (1...3).map { seq in
            Change(
                id: ChangeID(origin: "gate-1", epoch: 1, seq: UInt64(seq)),
                hlc: HybridTimestamp(wallMillis: 1_800_000_000_000), table: "reservations", key: "r-\(seq)",
                channel: Self.channel, op: .insert,
                columns: ["member_id": .text(text), "plate": .text("沪A12345"), "status": .text("booked")])
        }
        var state = RowState(inserted: true)
        for (column, value) in changes[0].columns {
            state.cells[column] = .init(value: value, stamp: Stamp(hlc: changes[0].hlc, id: changes[0].id))
        }
        let rows = [SnapshotRow(table: "reservations", key: "r-1", seq: 7, state: state)]
        return [
            .changes(ChangeBatch(node: "gate-1", sentAt: 1, changes: changes, history: "h-1", changesAsBytes: true)),
            .batch(
                LogBatch(
                    channel: Self.channel, prev: 0, upTo: 3,
                    entries: changes.map { LogEntry(seq: $0.id.seq, change: $0) }, history: "h-1",
                    entriesAsBytes: true, more: true)),
            .snapshotPart(
                SnapshotPart(
                    node: "gate-1", channel: Self.channel, snapshotID: "s-1", at: 3, part: 0, parts: 1, rows: rows,
                    history: "h-1", rowsAsBytes: true)),
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

    /// A decode's answer: the message, or the code it was refused with.
    enum Outcome: Equatable {
        case message(WireMessage)
        case refused(WireError.Code)
    }

    func outcome(_ decode: () throws(WireError) -> WireMessage) -> Outcome {
        do throws(WireError) { return .message(try decode()) } catch { return .refused(error.code) }
    }

    @Test(arguments: awkward)
    func aBulkTakenOutOfThePayloadDecodesAsTheWholePayloadDoes(text: String) throws {
        let codec = WireCodec(schema: .mall)
        for message in validMessages(text) {
            let payload = codec.encode(message)
            let split = try #require(WireCodec.splitBulk(payload))
            #expect(!split.rest.isEmpty && split.base64.count > 0)
            #expect(try codec.decode(payload) == message)
            #expect(try codec.decode(payload, splittingBulk: false) == message)
        }
    }

    /// Payloads a careless split would read otherwise than the decoder:
    /// both ways give the same message or refuse alike.
    @Test(arguments: awkward)
    func aPayloadBentAroundItsBulkDecodesAlikeEitherWay(text: String) throws {
        let codec = WireCodec(schema: .mall)
        for message in validMessages(text) {
            let payload = String(decoding: codec.encode(message), as: UTF8.self)
            let fields = WireCodec.BulkField.allCases.map(\.rawValue)
            let field = try #require(fields.first { payload.contains("\"\($0)\":\"") })
            let marker = "\"\(field)\":\""
            // The field's name with its second letter escaped: the same key to a JSON reader.
            let second = String(field.utf8.dropFirst().first ?? 0, radix: 16)
            let escapedName = "\(field.prefix(1))\\u00\(second)\(field.dropFirst(2))"
            let rest = String(payload.dropFirst())
            var bent: [String] = []
            bent.append(payload.replacingOccurrences(of: marker, with: "\"\(field)\": \""))
            bent.append(payload.replacingOccurrences(of: marker, with: marker + "*"))
            bent.append(payload.replacingOccurrences(of: marker, with: marker + "A"))
            bent.append(payload.replacingOccurrences(of: marker, with: marker + "QUFB"))
            bent.append(payload.replacingOccurrences(of: marker, with: marker + "AAAA\\/"))
            bent.append(payload.replacingOccurrences(of: marker, with: marker + "AAAA\",\"x\":\""))
            bent.append(payload.replacingOccurrences(of: marker, with: "\"\(escapedName)\":\"AAAA\"," + marker))
            bent.append(payload.replacingOccurrences(of: "\"}", with: "\""))
            bent.append("{\"x\":{\(marker)AAAA\"}," + rest)
            let spaced = payload.replacingOccurrences(of: marker, with: "\"\(field)\": \"")
            bent.append("{\"x\":{\(marker)AAAA\"}," + spaced.dropFirst())
            bent.append("{\"x\":[\(marker)AAAA\"]," + rest)
            bent.append("{\"x\":\"\\\"\(field)\\\":\\\"\"," + rest)
            bent.append("{\"rowBytes\":\"!!\",\"changeBytes\":\"!!\",\"entryBytes\":\"!!\"," + rest)
            bent.append("{\(marker)AAAA\"," + rest)
            bent.append(String(payload.dropLast()) + ",\(marker)AAAA\"}")
            for variant in bent {
                let bytes = Array(variant.utf8)
                let split = outcome { () throws(WireError) in try codec.decode(bytes) }
                let whole = outcome { () throws(WireError) in try codec.decode(bytes, splittingBulk: false) }
                #expect(split == whole, "\(variant.prefix(160))")
            }
        }
    }
}

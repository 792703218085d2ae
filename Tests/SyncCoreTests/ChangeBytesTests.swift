import Testing

@testable import MallDomain
@testable import SyncCore

/// Changes as compact bytes (SPEC §12.5), as resend answers carry them:
/// every change comes back as it went in, and no bytes trap.
@Suite struct ChangeBytesTests {
    typealias Random = MergePropertyTests.Random

    static func change(_ random: inout Random) -> Change {
        let numbers: [UInt64] = [0, 1, 127, 128, 1_800_000_000_000, UInt64.max]
        let values: [Value] = [
            .null, .int(Int64.min), .int(-65), .int(0), .int(Int64.max), .text(""), .text("沪A12345"),
        ]
        var columns: [String: Value] = [:]
        for _ in 0..<random.int(0..<6) {
            columns[["plate", "status", "é", "Z", "a"][random.int(0..<5)]] = values[random.int(0..<values.count)]
        }
        return Change(
            id: ChangeID(
                origin: ["hub", "gate-1"][random.int(0..<2)], epoch: numbers[random.int(0..<numbers.count)],
                seq: numbers[random.int(0..<numbers.count)]),
            hlc: HybridTimestamp(
                wallMillis: numbers[random.int(0..<numbers.count)], counter: [0, 7, UInt32.max][random.int(0..<3)]),
            table: "reservations", key: "r-\(random.int(0..<1000))",
            channel: Channel(mall: "mall-1", kind: [.parking, .gifts, .lounge][random.int(0..<3)]),
            op: [.insert, .update, .delete][random.int(0..<3)], columns: columns)
    }

    static func entries(seed: UInt64) -> [LogEntry] {
        var random = Random(state: seed &* 0x9E37_79B9_7F4A_7C15 | 1)
        return (0..<random.int(0..<5)).map { LogEntry(seq: UInt64($0) * 300, change: change(&random)) }
    }

    @Test(arguments: 1...300 as ClosedRange<UInt64>)
    func everyChangeComesBackAsItWentIn(seed: UInt64) throws {
        let entries = Self.entries(seed: seed)
        #expect(try LogEntry.entries(fromBytes: LogEntry.bytes(of: entries)) == entries)
    }

    /// Each insert decoded from bytes holds the row it makes of a new key:
    /// the state a merge into an empty row gives, and that state's bytes.
    @Test(arguments: 1...300 as ClosedRange<UInt64>)
    func anInsertDecodedFromBytesHoldsTheRowItMakes(seed: UInt64) throws {
        for entry in try LogEntry.entries(fromBytes: LogEntry.bytes(of: Self.entries(seed: seed))) {
            guard entry.change.op == .insert else {
                #expect(entry.insertedRow == nil)
                continue
            }
            var made = RowState()
            made.apply(entry.change)
            let inserted = try #require(entry.insertedRow)
            #expect(inserted.state == made)
            #expect(inserted.stateBytes == made.bytes)
        }
    }

    /// An insert's state bytes are copied from its own column bytes with
    /// its stamp after each value, not encoded again: byte for byte what
    /// encoding the state gives, for every insert that decodes.
    @Test(arguments: 1...300 as ClosedRange<UInt64>)
    func anInsertsStateBytesAreCopiedFromItsColumnBytes(seed: UInt64) throws {
        var random = Random(state: seed &* 0x9E37_79B9_7F4A_7C15 | 1)
        var insert = Self.change(&random)
        insert.op = .insert
        let copied = try CompactBytes.read(Change.bytes(of: [insert])) { reader throws(CompactBytes.Malformed) in
            let (decoded, columnsAt) = try reader.changeAndColumnsOffset()
            return InsertedRow.stateBytes(ofInsert: decoded, columnBytes: reader.bytes(from: columnsAt))
        }
        var made = RowState()
        made.apply(insert)
        #expect(copied == made.bytes)
    }

    /// The node applies entries through `SyncSchema.known`: one the schema
    /// knows whole keeps the row made of it as it was decoded; one that
    /// loses a column the schema lacks (from a newer version) loses that
    /// row, which held the column.
    @Test func anEntryKnownWholeKeepsItsInsertedRow() throws {
        func decoded(_ columns: [String: Value]) throws -> LogEntry {
            let change = Change(
                id: ChangeID(origin: "hub", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: 1),
                table: "reservations", key: "r-1", channel: Channel(mall: "m", kind: .parking), op: .insert,
                columns: columns)
            return try #require(
                try LogEntry.entries(fromBytes: LogEntry.bytes(of: [LogEntry(seq: 1, change: change)])).first)
        }
        let whole = try #require(SyncSchema.mall.known(try decoded(["status": .text("booked")])))
        #expect(whole.insertedRow?.state.values == ["status": .text("booked")])
        let newer = try #require(SyncSchema.mall.known(try decoded(["status": .text("booked"), "bay": .text("B2")])))
        #expect(newer.change.columns == ["status": .text("booked")])
        #expect(newer.insertedRow == nil)
    }

    @Test(arguments: 1...40 as ClosedRange<UInt64>)
    func brokenBytesAreAnErrorNeverATrap(seed: UInt64) {
        var random = Random(state: seed | 1)
        let bytes = LogEntry.bytes(of: Self.entries(seed: seed) + [LogEntry(seq: 1, change: Self.change(&random))])
        for length in 0..<bytes.count {
            // A prefix may end between entries: then it decodes to fewer.
            _ = try? LogEntry.entries(fromBytes: Array(bytes[..<length]))
        }
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var broken = bytes
                broken[index] ^= flip
                _ = try? LogEntry.entries(fromBytes: broken)
            }
        }
    }

    @Test func fieldsOutOfPlaceAreRefused() {
        func bytes(channel: String = "mall-1/parking", op: UInt8 = 0, columns: [UInt8] = [0]) -> [UInt8] {
            var writer = CompactBytes.Writer()
            writer.varint(1)
            writer.text("hub")
            for number: UInt64 in [1, 1, 1_800_000_000_000, 0] { writer.varint(number) }
            for text in ["reservations", "r-1", channel] { writer.text(text) }
            writer.byte(op)
            return writer.bytes + columns
        }
        #expect(throws: Never.self) { try LogEntry.entries(fromBytes: bytes()) }
        let cases: [(String, [UInt8])] = [
            ("a channel that is no mall/kind", bytes(channel: "parking")),
            ("operation 3", bytes(op: 3)),
            ("a thousand columns promised in four bytes", bytes(columns: [0xE8, 0x07])),
            ("columns b then a", bytes(columns: [2, 1, 0x62, 0, 1, 0x61, 0])),
            ("a column named twice", bytes(columns: [2, 1, 0x61, 0, 1, 0x61, 0])),
        ]
        for (name, broken) in cases {
            #expect(throws: CompactBytes.Malformed.self, "\(name)") { try LogEntry.entries(fromBytes: broken) }
        }
    }
}

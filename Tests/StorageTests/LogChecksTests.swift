import Foundation
import MallDomain
import Storage
import SyncCore
import Testing

/// A resend answer of entries the hub checked when it logged them goes out
/// as its store holds them, undecoded; entries logged before the hub ran
/// with its schema's `changeCheckID` are decoded and checked again.
@Suite struct LogChecksTests {
    static let parking = Channel(mall: "m", kind: .parking)

    let path = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString)").path

    func hub() throws -> HubEngine<SQLiteHubStore> {
        try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)]),
            store: try SQLiteHubStore(path: path, schema: .mall))
    }

    func booking(_ key: String, seq: UInt64, start: Int64) -> Change {
        Change(
            id: ChangeID(origin: "hub", epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: 1_000 + seq),
            table: "reservations", key: key, channel: Self.parking, op: .insert,
            columns: ["status": .text("booked"), "window_start": .int(start), "window_end": .int(5_000)])
    }

    /// Logs `changes` straight into `store`, unchecked, as a version that
    /// checked less did (or as no hub of this version does).
    func logBehindTheHubsBack(_ changes: [Change], into store: SQLiteHubStore, from seq: UInt64) throws {
        var ingest = HubIngest()
        for (offset, change) in changes.enumerated() {
            let entry = LogEntry(seq: seq + UInt64(offset), change: change)
            ingest.entries.append((entry, LoggedChange(hash: change.contentHash, chain: "")))
            var state = RowState()
            state.apply(change)
            ingest.rows[change.row] = StoredRow(ref: change.row, channel: Self.parking, seq: entry.seq, state: state)
        }
        try store.commit(ingest)
    }

    /// What a node that reads bytes gets for a resend after `after`, decoded
    /// as it would decode it, and the payloads it was sent as.
    func resend(_ hub: HubEngine<SQLiteHubStore>, after: UInt64) throws -> (batches: [LogBatch], payloads: [[UInt8]]) {
        let codec = WireCodec(schema: .mall)
        let request = ResendRequest(node: "gate-1", channel: Self.parking, after: after, entryEncoding: "bytes/1")
        let answer = hub.receive(topic: Topics.node("gate-1", mall: "m", .up), message: .resend(request), now: 10_000)
        let payloads = answer.outgoing.map { codec.encode($0.message) }
        let batches = try payloads.map { payload in
            guard case .batch(let batch) = try codec.decode(payload) else { throw WireError(.invalid, "not a batch") }
            return batch
        }
        return (batches, payloads)
    }

    @Test func checkedEntriesGoOutAsTheBytesEncodingTheDecodedEntriesWouldGive() throws {
        let hub = try hub()
        _ = try hub.write(
            (0..<30).map { index in
                LocalWrite.insert(
                    "reservations", "r-\(index)",
                    [
                        "member_id": .text("m-\(index)"), "plate": .text("沪A\(12300 + index)"),
                        "zone": index.isMultiple(of: 3) ? .null : .text("B\(index)"), "status": .text("booked"),
                        "window_start": .int(1_000), "window_end": .int(5_000),
                    ])
            }, mall: "m", now: 2_000)
        _ = try hub.write([.delete("reservations", "r-4")], mall: "m", now: 2_001)
        let (batches, payloads) = try resend(hub, after: 0)
        let logged = try hub.store.entries(channel: Self.parking, after: 0, limit: 100)
        #expect(logged.count == 31)
        #expect(batches.flatMap(\.entries) == logged)
        #expect(batches.last?.upTo == 31)
        // Byte for byte what the batch would be with its entries decoded.
        for (batch, payload) in zip(batches, payloads) {
            var decoded = batch
            decoded.entries = batch.entries.map { LogEntry(seq: $0.seq, change: $0.change) }
            #expect(WireCodec(schema: .mall).encode(.batch(decoded)) == payload)
        }
    }

    @Test func anEntryLoggedUnderAnotherCheckIsCheckedAgainAndTheNextAreNot() throws {
        // Logged by a version that did not bound windows: Int64.min passes it.
        try logBehindTheHubsBack(
            [
                booking("r1", seq: 1, start: 1_000), booking("r-old", seq: 2, start: .min),
                booking("r3", seq: 3, start: 2_000),
            ], into: try SQLiteHubStore(path: path, schema: .mall), from: 1)

        // Twice, as a restart would: the mark stays where the first start put it.
        for _ in 0..<2 {
            let hub = try hub()
            let (batches, _) = try resend(hub, after: 0)
            #expect(batches.flatMap(\.entries).map(\.change.key) == ["r1", "r3"])
            #expect(batches.last?.upTo == 3)
        }
        let hub = try hub()
        _ = try hub.write(
            [
                .insert(
                    "reservations", "r4", ["status": .text("booked"), "window_start": .int(1), "window_end": .int(2)])
            ],
            mall: "m", now: 3_000)
        let (batches, _) = try resend(hub, after: 3)
        #expect(batches.flatMap(\.entries).map(\.change.key) == ["r4"])
        #expect(try hub.store.logCheckedAfter(checkID: SyncSchema.mall.changeCheckID) == 3)
    }

    /// Entries past the mark are not decoded by the hub at all: one put in
    /// the log behind the hub's back (no hub logs one unchecked) goes out
    /// to a node that reads bytes as it is, and the node's codec refuses
    /// it, while a node that reads JSON gets an answer without it.
    @Test func theHubTrustsItsMarkAndDecodesNothingPastIt() throws {
        let hub = try hub()
        try logBehindTheHubsBack([booking("r-bad", seq: 1, start: .min)], into: hub.store, from: 1)
        let restarted = try self.hub()
        #expect(throws: WireError.self) { try resend(restarted, after: 0) }
        let json = restarted.receive(
            topic: Topics.node("gate-1", mall: "m", .up),
            message: .resend(ResendRequest(node: "gate-1", channel: Self.parking, after: 0)), now: 10_000)
        let codec = WireCodec(schema: .mall)
        let batches = try json.outgoing.compactMap { outgoing -> LogBatch? in
            if case .batch(let batch) = try codec.decode(codec.encode(outgoing.message)) { batch } else { nil }
        }
        #expect(batches.flatMap(\.entries).isEmpty)
        #expect(batches.last?.upTo == 1)
    }

    @Test func anotherCheckIDMovesTheMarkToTheLogsLastEntry() throws {
        let hub = try hub()
        #expect(try hub.store.logCheckedAfter(checkID: SyncSchema.mall.changeCheckID) == 0)
        _ = try hub.write(
            [
                .insert(
                    "reservations", "r1", ["status": .text("booked"), "window_start": .int(1), "window_end": .int(2)])
            ],
            mall: "m", now: 3_000)
        #expect(try hub.store.logCheckedAfter(checkID: SyncSchema.mall.changeCheckID) == 0)
        #expect(try hub.store.logCheckedAfter(checkID: "another") == 1)
        #expect(try hub.store.logCheckedAfter(checkID: SyncSchema.mall.changeCheckID) == 1)
    }

    @Test func anEntryLoggedWithoutFittingMovesTheMarkPastIt() throws {
        let hub = try hub()
        var ingest = HubIngest()
        let change = booking("r-bad", seq: 1, start: .min)
        ingest.entries.append((LogEntry(seq: 1, change: change), LoggedChange(hash: change.contentHash, chain: "")))
        ingest.uncheckedThrough = 1
        try hub.store.commit(ingest)
        #expect(try hub.store.logCheckedAfter(checkID: SyncSchema.mall.changeCheckID) == 1)
        let restarted = try self.hub()
        let (batches, _) = try resend(restarted, after: 0)
        #expect(batches.flatMap(\.entries).isEmpty)
        #expect(batches.last?.upTo == 1)
    }

    /// A correction copies the hub's value of a column, which may be one an
    /// older version let in (here a status with a control character): the
    /// hub logs it, and the mark moves past it, so that an answer in bytes
    /// leaves it out as the answer in JSON always did.
    @Test func aCorrectionCopyingAnOlderVersionsValueIsLeftOutOfAnAnswerInBytes() throws {
        let legacy = Change(
            id: ChangeID(origin: "hub", epoch: 1_000, seq: 1), hlc: HybridTimestamp(wallMillis: 1_000),
            table: "reservations", key: "r-x", channel: Self.parking, op: .insert,
            columns: [
                "status": .text("booked\u{1C}"), "window_start": .int(1_000), "window_end": .int(5_000),
            ])
        try logBehindTheHubsBack([legacy], into: try SQLiteHubStore(path: path, schema: .mall), from: 1)
        let hub = try hub()
        let update = Change(
            id: ChangeID(origin: "gate-1", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: 9_000),
            table: "reservations", key: "r-x", channel: Self.parking, op: .update,
            columns: ["status": .text("inside")])
        let taken = hub.receive(
            topic: Topics.node("gate-1", mall: "m", .up),
            message: .changes(ChangeBatch(node: "gate-1", sentAt: 9_000, changes: [update])), now: 9_500)
        #expect(taken.notApplied.map(\.id) == [update.id])
        #expect(hub.lastSeq > 2)
        let (batches, _) = try resend(hub, after: 1)
        let sent = batches.flatMap(\.entries).map(\.change)
        // The ledger's row goes out; the correction does not.
        #expect(sent.map(\.table) == [ConflictLedger.tableName])
        #expect(!sent.contains { $0.columns["status"] == .text("booked\u{1C}") })
        #expect(batches.last?.upTo == hub.lastSeq)
    }

    /// A run that kept no mark (a version from before it, rolled back to;
    /// a tool writing the log) may have logged anything: the next run's
    /// mark starts at the log's last entry.
    @Test func aRunThatKeptNoMarkEndsIt() throws {
        _ = try hub()
        do {
            let olderVersion = try SQLiteHubStore(path: path, schema: .mall)
            _ = try olderVersion.start()
            try logBehindTheHubsBack([booking("r-old", seq: 1, start: .min)], into: olderVersion, from: 1)
        }
        let hub = try hub()
        #expect(try hub.store.logCheckedAfter(checkID: SyncSchema.mall.changeCheckID) == 1)
        let (batches, _) = try resend(hub, after: 0)
        #expect(batches.flatMap(\.entries).isEmpty)
    }

    @Test func theCheckIDChangesWithTheSchemasBoundsAndChannelsNotTheOrderOfItsTables() {
        let mall = SyncSchema.mall
        let reordered = SyncSchema(
            tables: Array(mall.tables.values.reversed()), channelKinds: mall.channelKinds,
            subscriptions: mall.subscriptions, rights: mall.rights, singleUseRules: mall.singleUseRules)
        #expect(reordered.changeCheckID == mall.changeCheckID)
        var bounded = mall
        bounded.tables["reservations"]?.columns["zone"] = .int(0...9)
        #expect(bounded.changeCheckID != mall.changeCheckID)
        var narrower = mall
        narrower.tables["reservations"]?.channelKinds.remove(.parking)
        #expect(narrower.changeCheckID != mall.changeCheckID)
    }
}

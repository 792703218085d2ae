import Foundation
import MallDomain
import Storage
import SyncCore
import Testing

/// Entries read from the hub's log keep the compact bytes their changes
/// were stored as, and a resend answer carries those bytes instead of
/// encoding each change again: the answer must be byte for byte what
/// encoding the decoded changes would give.
@Suite struct LoggedBytesTests {
    static let now: UInt64 = 1_800_000_000_000
    static let parking = Channel(mall: "m", kind: .parking)

    let hub: HubEngine<SQLiteHubStore>

    init() throws {
        hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)]),
            store: try SQLiteHubStore(
                path: FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString)").path,
                schema: .mall))
        _ = try hub.write(
            (0..<20).map { index in
                LocalWrite.insert(
                    "reservations", "r-\(index)",
                    [
                        "member_id": .text("m-\(index)"), "plate": .text("沪A\(12300 + index)"),
                        "zone": index.isMultiple(of: 2) ? .text("B2") : .null, "status": .text("booked"),
                        "window_start": .int(Int64(Self.now)), "window_end": .int(Int64(Self.now) + 3_600_000),
                    ])
            }, mall: "m", now: Self.now)
        _ = try hub.write([.delete("reservations", "r-3")], mall: "m", now: Self.now + 1)
    }

    @Test func aResendAnswerCarriesTheLogsBytesAsEncodingWouldMakeThem() throws {
        let read = try hub.store.entries(channel: Self.parking, after: 0, limit: 100)
        #expect(read.count == 21)
        let encodedAgain = read.map { LogEntry(seq: $0.seq, change: $0.change) }
        #expect(LogEntry.bytes(of: read) == LogEntry.bytes(of: encodedAgain))
        #expect(try LogEntry.entries(fromBytes: LogEntry.bytes(of: read)) == read)
    }

    /// A node applies a catch-up decoded from bytes with each insert's row
    /// made as it was decoded: its replica holds what one applying the same
    /// entries made in memory holds, state for state and byte for byte,
    /// and an insert of a key it holds already is merged, not written over.
    @Test func insertsDecodedWithTheirRowsAreAppliedAsInsertsMadeHere() throws {
        let read = try hub.store.entries(channel: Self.parking, after: 0, limit: 100)
        let decoded = try LogEntry.entries(fromBytes: LogEntry.bytes(of: read))
        #expect(decoded.filter { $0.insertedRow != nil }.count == 20)
        let held = LogEntry(
            seq: 1,
            change: Change(
                id: ChangeID(origin: "hub", epoch: 9, seq: 1),
                hlc: HybridTimestamp(wallMillis: Self.now + 5, counter: 0), table: "reservations", key: "r-7",
                channel: Self.parking, op: .insert, columns: ["zone": .text("held before")]))
        var figures: [(states: [RowRef: RowState?], rows: [SnapshotRow])] = []
        for entries in [decoded, read.map { LogEntry(seq: $0.seq, change: $0.change) }] {
            let replica = try SQLiteReplica(path: ":memory:", schema: .mall)
            try replica.applyRemote(channel: Self.parking, entries: [held], upTo: 1, clock: .zero)
            let states = try replica.applyRemoteReturningStates(
                channel: Self.parking, entries: entries.filter { $0.seq > 1 }, upTo: 21, clock: .zero)
            figures.append((states, try replica.rows(in: Self.parking)))
        }
        #expect(figures[0].states == figures[1].states)
        #expect(figures[0].rows == figures[1].rows)
        #expect(figures[0].rows.map(\.stateBytes) == figures[1].rows.map(\.stateBytes))
        let merged = try #require(figures[0].rows.first { $0.key == "r-7" })
        #expect(merged.state.values["zone"] == .text("held before"))
        #expect(merged.state.values["member_id"] == .text("m-7"))
    }

    @Test func anEntryWhoseChangeIsChangedForgetsItsBytes() throws {
        var entry = try #require(try hub.store.entries(channel: Self.parking, after: 0, limit: 1).first)
        entry.change.columns["zone"] = .text("C9")
        let decoded = try #require(try LogEntry.entries(fromBytes: LogEntry.bytes(of: [entry])).first)
        #expect(decoded.change.columns["zone"] == .text("C9"))
        #expect(decoded.insertedRow?.state.values["zone"] == .text("C9"))
        var changedAfter = decoded
        changedAfter.change.columns["zone"] = .text("D1")
        #expect(changedAfter.insertedRow == nil)
    }
}

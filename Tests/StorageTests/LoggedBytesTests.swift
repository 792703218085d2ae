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

    @Test func anEntryWhoseChangeIsChangedForgetsItsBytes() throws {
        var entry = try #require(try hub.store.entries(channel: Self.parking, after: 0, limit: 1).first)
        entry.change.columns["zone"] = .text("C9")
        let decoded = try #require(try LogEntry.entries(fromBytes: LogEntry.bytes(of: [entry])).first)
        #expect(decoded.change.columns["zone"] == .text("C9"))
    }
}

import MallDomain
import Simulation
import SyncCore
import Testing

/// A hub store written by a version that did not bound column values may
/// hold a row nodes refuse (a window of Int64.min). Catch-up and snapshots
/// leave it out, so a node can still join and catch up.
@Suite struct LegacyRowTests {
    let parking = Channel(mall: "m", kind: .parking)

    func booking(_ key: String, seq: UInt64, start: Int64) -> Change {
        Change(
            id: ChangeID(origin: "hub", epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: 1_000 + seq),
            table: "reservations", key: key, channel: parking, op: .insert,
            columns: ["status": .text("booked"), "window_start": .int(start), "window_end": .int(5_000)])
    }

    func hubWithALegacyRow() throws -> HubEngine<MemoryHubStore> {
        let store = MemoryHubStore(schema: .mall)
        var ingest = HubIngest()
        for (seq, change) in [
            booking("r1", seq: 1, start: 1_000), booking("r-old", seq: 2, start: .min),
            booking("r3", seq: 3, start: 2_000),
        ].enumerated() {
            let entry = LogEntry(seq: UInt64(seq + 1), change: change)
            ingest.entries.append((entry, LoggedChange(hash: change.contentHash, chain: "")))
            var state = RowState()
            state.apply(change)
            ingest.rows[change.row] = StoredRow(ref: change.row, channel: parking, seq: entry.seq, state: state)
        }
        try store.commit(ingest)
        return try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)]), store: store)
    }

    /// Every message as a node would receive it.
    func received(_ outgoing: [Outgoing]) throws -> [WireMessage] {
        try outgoing.map { try WireCodec(schema: .mall).decode(WireCodec(schema: .mall).encode($0.message)) }
    }

    @Test func catchUpLeavesTheLegacyEntryOutAndStillReachesTheHead() throws {
        let hub = try hubWithALegacyRow()
        let answer = hub.receive(
            topic: Topics.node("gate-1", mall: "m", .up),
            message: .resend(ResendRequest(node: "gate-1", channel: parking, after: 0)), now: 10_000)
        let batches = try received(answer.outgoing).compactMap { if case .batch(let b) = $0 { b } else { nil } }
        #expect(batches.flatMap(\.entries).map(\.change.key) == ["r1", "r3"])
        #expect(batches.last?.upTo == 3)
    }

    @Test func aSnapshotLeavesTheLegacyRowOut() throws {
        let hub = try hubWithALegacyRow()
        let answer = hub.receive(
            topic: Topics.node("gate-1", mall: "m", .up),
            message: .snapshotRequest(SnapshotRequest(node: "gate-1", channel: parking)), now: 10_000)
        let parts = try received(answer.outgoing).compactMap { if case .snapshotPart(let p) = $0 { p } else { nil } }
        #expect(!parts.isEmpty)
        #expect(Set(parts.flatMap(\.rows).map(\.key)) == ["r1", "r3"])
    }
}

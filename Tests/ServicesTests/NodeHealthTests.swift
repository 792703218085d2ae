import Foundation
import MallDomain
import Services
import Storage
import SyncCore
import Synchronization
import Testing

/// `GET /v1/health`: `ok` while the node serves, and how far a snapshot it
/// is taking has come, as whoever installs a new gate checks on it.
@Suite struct NodeHealthTests {
    @Test func anIdleNodeSaysOkAlone() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (node, _) = try fleet.node("g1")
        try await ServedNode.serve(node, logger: fleet.quiet) { served in
            let (status, body) = try await served.raw("GET", "/v1/health", body: nil, token: nil)
            #expect(status == 200)
            #expect(String(decoding: body, as: UTF8.self) == "ok\n")
        }
    }

    /// The install of a large snapshot holds the node's actor for seconds:
    /// health answers meanwhile, so a probe does not take the node for dead
    /// in the middle of it (here the actor is held by hand for 5 s).
    @Test func healthAnswersWhileTheNodeIsBusy() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (node, _) = try fleet.node("g1")
        try await ServedNode.serve(node, logger: fleet.quiet) { served in
            let held = Atomic(false)
            let released = Atomic(false)
            let holder = Task {
                await node.hold(seconds: 5) { held.store(true, ordering: .sequentiallyConsistent) }
                released.store(true, ordering: .sequentiallyConsistent)
            }
            while !held.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(5)) }
            let (status, body) = try await served.raw("GET", "/v1/health", body: nil, token: nil)
            #expect(status == 200)
            #expect(String(decoding: body, as: UTF8.self) == "ok\n")
            let answeredWhileHeld = !released.load(ordering: .sequentiallyConsistent)
            #expect(answeredWhileHeld, "health waited for the actor")
            await holder.value
        }
    }

    /// A node restarted halfway through a snapshot (two rows of five
    /// staged) says so from its first answer, before it reaches the hub.
    @Test func aHalfStagedSnapshotShowsRowsHeldOfTheTotal() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let parking = Channel(mall: InMemoryFleet.mall, kind: .parking)
        let rows = (1...2).map { index in
            var state = RowState()
            state.apply(
                Change(
                    id: ChangeID(origin: "hub", epoch: 1, seq: UInt64(index)),
                    hlc: HybridTimestamp(wallMillis: 1_800_000_000_000), table: "reservations", key: "r\(index)",
                    channel: parking, op: .insert,
                    columns: ["member_id": .text("m1"), "plate": .text("沪AD123\(index)"), "status": .text("booked")]))
            return SnapshotRow(table: "reservations", key: "r\(index)", seq: UInt64(index), state: state)
        }
        let progress = SnapshotProgress(
            snapshotID: "s-1", at: 5, through: rows.last?.ref, held: 2,
            chain: SnapshotChain.next(after: "", rows: rows, version: .canonical), total: 5)
        let replica = try SQLiteReplica(path: "\(fleet.directory.path)/g1.sqlite", schema: .mall)
        // As a node that ran before holds it: staging under another schema is dropped.
        try replica.holdSchema(SyncSchema.mall.fingerprint(of: parking.kind), of: parking, restart: false)
        try replica.stageSnapshot(channel: parking, rows: rows, progress: progress, startsOver: true, installs: false)

        let (node, _) = try fleet.node("g1")
        try await ServedNode.serve(node, logger: fleet.quiet) { served in
            let (status, body) = try await served.raw("GET", "/v1/health", body: nil, token: nil)
            #expect(status == 200)
            #expect(
                String(decoding: body, as: UTF8.self)
                    == "ok\ntaking a snapshot of \(parking): 2 of 5 rows (40%)\n")
        }
    }
}

extension NodeCoordinator {
    /// Holds the actor for `seconds`, as a long install does, once `started` was called.
    fileprivate func hold(seconds: Double, started: @Sendable () -> Void) {
        started()
        Thread.sleep(forTimeInterval: seconds)
    }
}

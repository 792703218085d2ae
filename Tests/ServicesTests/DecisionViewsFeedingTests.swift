import Foundation
import Logging
import MallDomain
import Storage
import SyncCore
import Testing

@testable import Services

/// The hub's batches are filed in the decision views on a queue of their
/// own; whatever reads the views after a batch was handed over sees it.
@Suite struct DecisionViewsFeedingTests {
    static let channel = Channel(mall: "m", kind: .parking)

    static func reservation(_ index: Int) -> (RowRef, RowState) {
        let now = Int64(1_800_000_000_000)
        var state = RowState()
        state.apply(
            Change(
                id: ChangeID(origin: "hub", epoch: 1, seq: UInt64(index + 1)),
                hlc: HybridTimestamp(wallMillis: UInt64(now)), table: "reservations", key: "r-\(index)",
                channel: channel, op: .insert,
                columns: [
                    "member_id": .text("m-\(index)"), "plate": .text(String(format: "鲁C%05d", index)),
                    "zone": .text("B2"), "window_start": .int(now - 3_600_000), "window_end": .int(now + 3_600_000),
                    "status": .text("booked"),
                ]))
        return (RowRef(table: "reservations", key: "r-\(index)"), state)
    }

    @Test func aReadRightAfterAHubBatchSeesAllOfIt() throws {
        let replica = try SQLiteReplica(path: ":memory:", schema: .mall)
        let views = try DecisionViews(store: replica, channels: [.parking], logger: Logger(label: "test"))
        for round in 0..<50 {
            var batch: [RowRef: RowState?] = [:]
            for index in round * 100..<(round + 1) * 100 {
                let (ref, state) = Self.reservation(index)
                batch[ref] = state
            }
            views.rowsMergedFromHub(batch)
            // At once, on the thread that handed the batch over.
            #expect(views.reservations.count == (round + 1) * 100)
        }
        // A local write after hub batches lands after them, and is seen at once.
        views.rowsMergedFromHub([RowRef(table: "reservations", key: "r-0"): nil])
        views.rowsMerged([RowRef(table: "reservations", key: "r-1"): nil])
        #expect(views.reservations.byID["r-0"] == nil)
        #expect(views.reservations.byID["r-1"] == nil)
        #expect(views.reservations.byID["r-2"]?.plate == "鲁C00002")
    }
}

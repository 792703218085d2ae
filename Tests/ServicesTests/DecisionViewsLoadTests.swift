import Foundation
import Logging
import MallDomain
import Storage
import SyncCore
import Testing

@testable import Services

/// Loading the decision views reads the replica's rows on one thread and
/// files them on another, a chunk at a time: every visible row ends up
/// filed once, whatever the chunks' bounds, and the rows a decision cannot
/// use are left out.
@Suite struct DecisionViewsLoadTests {
    /// Reservations over three chunks and a part of one, every 997th with a
    /// plate no camera could read, every 1,000th deleted.
    static let count = 3 * DecisionViews.loadChunk + 123

    static func changes() -> [Change] {
        let now = Int64(1_800_000_000_000)
        let writes = (0..<count).flatMap { index in
            index % 1000 == 7 ? [(index, Change.Operation.insert), (index, .delete)] : [(index, .insert)]
        }
        return writes.enumerated().map { position, write in
            let (index, op) = write
            return Change(
                id: ChangeID(origin: "gate-1", epoch: 1, seq: UInt64(position + 1)),
                hlc: HybridTimestamp(wallMillis: UInt64(now), counter: UInt32(position)),
                table: "reservations", key: "r-\(index)", channel: DecisionViewsFeedingTests.channel, op: op,
                columns: op == .delete
                    ? [:]
                    : [
                        "member_id": .text("m-\(index)"),
                        "plate": .text(index % 997 == 5 ? "?!" : String(format: "鲁C%05d", index)),
                        "zone": .text("B2"), "window_start": .int(now - 3_600_000),
                        "window_end": .int(now + 3_600_000), "status": .text("booked"),
                    ])
        }
    }

    static func expectEveryUsableRowFiled(in views: DecisionViews) {
        let garbled = Set((0..<count).filter { $0 % 997 == 5 })
        let deleted = Set((0..<count).filter { $0 % 1000 == 7 })
        #expect(views.reservations.count == count - garbled.union(deleted).count)
        for index in [0, DecisionViews.loadChunk - 1, DecisionViews.loadChunk, count - 1] {
            #expect(views.reservations.byID["r-\(index)"]?.plate == String(format: "鲁C%05d", index))
        }
        #expect(garbled.allSatisfy { views.reservations.byID["r-\($0)"] == nil })
        #expect(deleted.allSatisfy { views.reservations.byID["r-\($0)"] == nil })
    }

    @Test func aLoadFilesEveryUsableRowOnceAcrossItsChunks() throws {
        let replica = try SQLiteReplica(path: ":memory:", schema: .mall)
        _ = try replica.start(minimumEpoch: 1)
        let changes = Self.changes()
        try replica.commitLocal(changes, clock: changes.last!.hlc)
        let views = try DecisionViews(store: replica, channels: [.parking], logger: Logger(label: "test"))
        Self.expectEveryUsableRowFiled(in: views)
        // A reload (a snapshot installed) starts from empty books, not on top.
        views.channelReplaced(DecisionViewsFeedingTests.channel, in: replica)
        Self.expectEveryUsableRowFiled(in: views)
    }
}

import Foundation
import Logging
import MallDomain
import Storage
import SyncCore
import Testing

@testable import Services

/// A snapshot's install files the decision views from the rows it installs
/// (read beside the install from a replica file, or loaded after it from an
/// in-memory one): the views end up as a fresh load of the replica would
/// make them, with the node's own unacknowledged changes merged again and
/// the rows the snapshot no longer holds gone.
@Suite struct DecisionViewsSnapshotTests {
    static let channel = DecisionViewsFeedingTests.channel
    static let now: UInt64 = 1_800_000_000_000

    static func row(_ index: Int) -> SnapshotRow {
        let (ref, state) = DecisionViewsFeedingTests.reservation(index)
        return SnapshotRow(table: ref.table, key: ref.key, seq: UInt64(index + 1), state: state)
    }

    static func progress(held: Int) -> SnapshotProgress {
        SnapshotProgress(snapshotID: "s-1", at: 9_000, through: nil, held: UInt64(held), chain: "")
    }

    /// A gate's own write, not yet acknowledged when the snapshot comes.
    static func localWrite(seq: UInt64, key: String, columns: [String: Value], op: Change.Operation = .update)
        -> Change
    {
        Change(
            id: ChangeID(origin: "gate-1", epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: now + seq),
            table: "reservations", key: key, channel: channel, op: op, columns: columns)
    }

    @Test(arguments: ["file", ":memory:"])
    func theViewsAfterAnInstallAreAFreshLoadOfTheReplica(storage: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("views-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = storage == "file" ? directory.appendingPathComponent("replica.sqlite").path : storage
        let replica = try SQLiteReplica(path: path, schema: .mall)
        _ = try replica.start(minimumEpoch: 1)
        let store = ObservedReplica(replica)
        let views = try DecisionViews(store: replica, channels: [.parking], logger: Logger(label: "test"))
        store.observer = views

        // Before the snapshot: a row it will not hold, and the gate's own writes.
        let (oldRef, oldState) = DecisionViewsFeedingTests.reservation(90_000)
        try store.stageSnapshot(
            channel: Self.channel,
            rows: [SnapshotRow(table: oldRef.table, key: oldRef.key, seq: 1, state: oldState)],
            progress: Self.progress(held: 1), startsOver: true, installs: true)
        #expect(views.reservations.byID[oldRef.key] != nil)
        let writes = [
            Self.localWrite(seq: 1, key: "r-1", columns: ["status": .text("inside")]),
            Self.localWrite(seq: 2, key: "r-6050", columns: ["plate": .text("沪A12345")]),
        ]
        try store.commitLocal(writes, clock: writes.last!.hlc)

        // Three windows; the last sends row 10 again, deleted.
        try store.stageSnapshot(
            channel: Self.channel, rows: (0..<3000).map(Self.row), progress: Self.progress(held: 3000),
            startsOver: true, installs: false)
        try store.stageSnapshot(
            channel: Self.channel, rows: (3000..<6000).map(Self.row), progress: Self.progress(held: 6000),
            startsOver: false, installs: false)
        var deleted = Self.row(10)
        deleted.state.apply(
            Change(
                id: ChangeID(origin: "hub", epoch: 1, seq: 99_999), hlc: HybridTimestamp(wallMillis: Self.now + 50),
                table: "reservations", key: "r-10", channel: Self.channel, op: .delete, columns: [:]))
        try store.stageSnapshot(
            channel: Self.channel, rows: (6000..<6100).map(Self.row) + [deleted], progress: Self.progress(held: 6101),
            startsOver: false, installs: true)

        // The first install had nothing staged before its one window.
        #expect(views.installsFiledBeside == (storage == "file" ? 1 : 0))
        let book = views.reservations
        #expect(book.byID[oldRef.key] == nil)
        #expect(book.byID["r-10"] == nil)
        #expect(book.byID["r-1"]?.status == .inside)
        #expect(book.byID["r-6050"]?.plate == "沪A12345")
        #expect(book.byID["r-6099"] != nil)
        #expect(book.count == 6099)
        let fresh = try DecisionViews(store: replica, channels: [.parking], logger: Logger(label: "test"))
        let asFreshlyLoaded = book.byID == fresh.reservations.byID
        #expect(asFreshlyLoaded)
        #expect(book.reservations(plate: "沪A12345").map(\.id) == ["r-6050"])
        #expect(book.livePlates.contains("鲁C06050") == false)
    }
}

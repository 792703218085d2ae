import Testing

@testable import MallDomain
@testable import SyncCore

@Suite struct ChannelSyncTests {
    let channel = Channel(mall: "m", kind: .parking)

    func entry(_ seq: UInt64) -> LogEntry {
        LogEntry(
            seq: seq,
            change: Change(
                id: ChangeID(origin: "hub", epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: seq),
                table: "reservations", key: "r\(seq)", channel: channel, op: .insert))
    }

    @Test func appliesAContiguousBatchAndIgnoresItsDuplicate() {
        var sync = ChannelSync(channel: channel, cursor: 10)
        let batch = LogBatch(channel: channel, prev: 10, upTo: 14, entries: [entry(12), entry(14)])
        #expect(sync.received(batch, now: 0) == [.apply(entries: [entry(12), entry(14)], upTo: 14)])
        sync.applied(upTo: 14, now: 0)
        #expect(sync.received(batch, now: 1).isEmpty)
    }

    @Test func overlappingBatchAppliesOnlyWhatIsNew() {
        var sync = ChannelSync(channel: channel, cursor: 12)
        let batch = LogBatch(channel: channel, prev: 10, upTo: 14, entries: [entry(11), entry(12), entry(14)])
        #expect(sync.received(batch, now: 0) == [.apply(entries: [entry(14)], upTo: 14)])
    }

    @Test func aGapAsksForExactlyTheMissingRangeOnceUntilTimeout() {
        var sync = ChannelSync(channel: channel, cursor: 10, configuration: .init(requestTimeoutMillis: 1000))
        let late = LogBatch(channel: channel, prev: 20, upTo: 25, entries: [entry(25)])
        #expect(sync.received(late, now: 0) == [.requestResend(after: 10)])
        #expect(sync.received(late, now: 500).isEmpty)
        #expect(sync.received(late, now: 1000) == [.requestResend(after: 10)])
    }

    @Test func aHeadAheadOfTheCursorIsFetchedAfterTheCatchUpDelay() {
        var sync = ChannelSync(channel: channel, cursor: 10, configuration: .init(catchUpDelayMillis: 300))
        #expect(sync.received(head: 12, floor: 0, now: 0).isEmpty)
        #expect(sync.tick(now: 200).isEmpty)
        #expect(sync.tick(now: 300) == [.requestResend(after: 10)])
    }

    @Test func aWallClockSetBackDoesNotSilenceRetries() {
        var sync = ChannelSync(
            channel: channel, cursor: 10, configuration: .init(catchUpDelayMillis: 0, requestTimeoutMillis: 1000))
        #expect(sync.received(head: 12, floor: 0, now: 5_000_000) == [.requestResend(after: 10)])
        #expect(sync.tick(now: 5_000_500).isEmpty)
        // The wall clock is set back an hour: the retry is not an hour away.
        #expect(sync.tick(now: 1_400_000) == [.requestResend(after: 10)])
    }

    @Test func aCursorBelowTheFloorNeedsASnapshot() {
        var sync = ChannelSync(channel: channel, cursor: 10)
        #expect(sync.received(head: 50, floor: 30, now: 0) == [.requestSnapshot])
    }

    @Test func aNewReplicaBootstrapsFromASnapshotAssembledInAnyOrder() {
        var sync = ChannelSync(channel: channel, cursor: nil)
        #expect(sync.tick(now: 0) == [.requestSnapshot])
        let row = { (key: String) in
            SnapshotRow(table: "reservations", key: key, seq: 1, state: RowState(inserted: true))
        }
        let acks = [AckEntry(epoch: 2, upTo: 5, hash: "0f4c2a9d1b7e6a53")]
        let second = SnapshotPart(
            node: "n", channel: channel, snapshotID: "s", at: 40, part: 1, parts: 2, rows: [row("b")], acks: acks)
        let first = SnapshotPart(
            node: "n", channel: channel, snapshotID: "s", at: 40, part: 0, parts: 2, rows: [row("a")], acks: acks)
        #expect(sync.received(second, now: 1).isEmpty)
        #expect(sync.received(second, now: 1).isEmpty)
        #expect(sync.received(first, now: 2) == [.installSnapshot(rows: [row("a"), row("b")], at: 40, acks: acks)])
        sync.applied(upTo: 40, now: 2)
        #expect(sync.cursor == 40)
    }
}

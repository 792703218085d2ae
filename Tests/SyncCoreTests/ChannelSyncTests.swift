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

    /// A node back on a session the broker kept: the batches and statuses
    /// queued while it was away arrive in order, and show no gap; the broker
    /// dropped what came after its queue was full, and the first live head
    /// shows that gap. It is asked for at once; a gap after it waits the
    /// catch-up delay, in which the live stream normally closes a gap.
    @Test func theFirstGapAfterAReconnectIsAskedForAtOnce() {
        var sync = ChannelSync(channel: channel, cursor: 10, configuration: .init(catchUpDelayMillis: 1000))
        sync.connectionRestored()
        let queued = LogBatch(channel: channel, prev: 10, upTo: 12, entries: [entry(12)])
        #expect(sync.received(queued, now: 0) == [.apply(entries: [entry(12)], upTo: 12)])
        sync.applied(upTo: 12, now: 0)
        #expect(sync.received(head: 12, floor: 0, now: 1).isEmpty)
        #expect(sync.received(head: 40, floor: 0, now: 5) == [.requestResend(after: 12)])
        sync.applied(upTo: 40, now: 20)

        #expect(sync.received(head: 45, floor: 0, now: 30).isEmpty)
        #expect(sync.tick(now: 1029).isEmpty)
        #expect(sync.tick(now: 1030) == [.requestResend(after: 40)])
    }

    /// Each reconnect asks at once for one gap, however often the link
    /// drops: a flapping link costs one request per connect, no more.
    @Test func eachReconnectAsksAtOnceForOneGapOnly() {
        var sync = ChannelSync(
            channel: channel, cursor: 10, configuration: .init(catchUpDelayMillis: 1000, requestTimeoutMillis: 4000))
        var cursor: UInt64 = 10
        for round in UInt64(0)..<3 {
            let now = round * 10_000
            sync.connectionRestored()
            #expect(sync.received(head: cursor + 5, floor: 0, now: now) == [.requestResend(after: cursor)])
            cursor += 5
            sync.applied(upTo: cursor, now: now)
            #expect(sync.received(head: cursor + 5, floor: 0, now: now + 10).isEmpty)
            #expect(sync.tick(now: now + 1009).isEmpty)
            #expect(sync.tick(now: now + 1010) == [.requestResend(after: cursor)])
            cursor += 5
            sync.applied(upTo: cursor, now: now + 1020)
        }
    }

    /// A gap known before the link dropped is asked for by the first tick
    /// after the reconnect, and that is the connect's one request at once.
    @Test func aGapKnownBeforeTheReconnectIsAskedForByTheFirstTick() {
        var sync = ChannelSync(channel: channel, cursor: 10, configuration: .init(catchUpDelayMillis: 1000))
        #expect(sync.received(head: 20, floor: 0, now: 0).isEmpty)
        sync.connectionRestored()
        #expect(sync.tick(now: 200) == [.requestResend(after: 10)])
        sync.applied(upTo: 20, now: 210)
        #expect(sync.received(head: 25, floor: 0, now: 220).isEmpty)
    }

    /// A gap a live batch shows is asked for at once anyway, and counts as
    /// the connect's one request: the next gap waits the delay.
    @Test func aGapALiveBatchShowsUsesTheConnectsRequest() {
        var sync = ChannelSync(
            channel: channel, cursor: 10, configuration: .init(catchUpDelayMillis: 1000, requestTimeoutMillis: 4000))
        sync.connectionRestored()
        let late = LogBatch(channel: channel, prev: 20, upTo: 25, entries: [entry(25)])
        #expect(sync.received(late, now: 0) == [.requestResend(after: 10)])
        sync.applied(upTo: 25, now: 10)
        #expect(sync.received(head: 30, floor: 0, now: 20).isEmpty)
        #expect(sync.tick(now: 1020) == [.requestResend(after: 25)])
    }

    @Test func aWallClockSetBackDoesNotSilenceRetries() {
        var sync = ChannelSync(
            channel: channel, cursor: 10, configuration: .init(catchUpDelayMillis: 0, requestTimeoutMillis: 1000))
        #expect(sync.received(head: 12, floor: 0, now: 5_000_000) == [.requestResend(after: 10)])
        #expect(sync.tick(now: 5_000_500).isEmpty)
        // The wall clock is set back an hour: the retry is not an hour away.
        #expect(sync.tick(now: 1_400_000) == [.requestResend(after: 10)])
    }

    /// A resend answer that stopped short of the head says so on its last
    /// batch: the rest is asked for at once, before that batch is applied,
    /// not a catch-up delay later (a second per 2,000 entries of a backlog).
    @Test func theLastBatchOfAnAnswerThatStoppedShortAsksForTheRestAtOnce() {
        var sync = ChannelSync(
            channel: channel, cursor: 10, configuration: .init(catchUpDelayMillis: 1000, requestTimeoutMillis: 4000))
        #expect(sync.received(head: 40, floor: 0, now: 0).isEmpty)
        #expect(sync.tick(now: 1000) == [.requestResend(after: 10)])
        let first = LogBatch(channel: channel, prev: 10, upTo: 12, entries: [entry(12)])
        #expect(sync.received(first, now: 1010) == [.apply(entries: [entry(12)], upTo: 12)])
        sync.applied(upTo: 12, now: 1010)
        let last = LogBatch(channel: channel, prev: 12, upTo: 14, entries: [entry(14)], more: true)
        #expect(
            sync.received(last, now: 1020) == [.requestResend(after: 14), .apply(entries: [entry(14)], upTo: 14)])
        sync.applied(upTo: 14, now: 1020)

        // The request made ahead is on its way: the timer does not repeat it
        // after the catch-up delay, only after the request timeout.
        #expect(sync.tick(now: 2100).isEmpty)
        #expect(sync.tick(now: 3100).isEmpty)
        #expect(sync.tick(now: 5020) == [.requestResend(after: 14)])
    }

    /// An answer that reached the head, or a live batch, asks for nothing.
    @Test func aBatchWithoutMoreAsksForNothing() {
        var sync = ChannelSync(channel: channel, cursor: 10)
        let batch = LogBatch(channel: channel, prev: 10, upTo: 14, entries: [entry(14)])
        #expect(sync.received(batch, now: 0) == [.apply(entries: [entry(14)], upTo: 14)])
    }

    /// A batch that says `more` but is not applied (a duplicate, or one
    /// after a gap) does not ask ahead: the gap's own rules apply.
    @Test func moreOnABatchThatIsNotAppliedAsksNothingAhead() {
        var sync = ChannelSync(channel: channel, cursor: 20, configuration: .init(requestTimeoutMillis: 1000))
        let duplicate = LogBatch(channel: channel, prev: 10, upTo: 14, entries: [entry(14)], more: true)
        #expect(sync.received(duplicate, now: 0).isEmpty)
        let afterGap = LogBatch(channel: channel, prev: 30, upTo: 34, entries: [entry(34)], more: true)
        #expect(sync.received(afterGap, now: 10) == [.requestResend(after: 20)])
    }

    @Test func aCursorBelowTheFloorNeedsASnapshot() {
        var sync = ChannelSync(channel: channel, cursor: 10)
        #expect(sync.received(head: 50, floor: 30, now: 0) == [.requestSnapshot(resume: nil)])
    }

    func row(_ key: String) -> SnapshotRow {
        SnapshotRow(table: "reservations", key: key, seq: 1, state: RowState(inserted: true))
    }

    /// The parts of one window, as the hub sends them: `rows` split two per part.
    func window(
        _ rows: [SnapshotRow], id: String = "s", at: UInt64 = 40, after: ChannelSync? = nil, last: Bool,
        acks: [AckEntry]? = nil, chainVersion: SnapshotChain.Version = .canonical
    ) -> [SnapshotPart] {
        let staged = after?.progress
        let window = SnapshotWindow(
            after: staged?.through, through: rows.last?.ref ?? staged?.through, last: last,
            chain: SnapshotChain.next(after: staged?.chain ?? "", rows: rows, version: chainVersion),
            total: staged == nil ? 5 : nil, chainVersion: chainVersion == .canonical ? nil : chainVersion.rawValue)
        let chunks = stride(from: 0, to: max(rows.count, 1), by: 2).map { Array(rows[$0..<min($0 + 2, rows.count)]) }
        return chunks.enumerated().map { index, chunk in
            SnapshotPart(
                node: "n", channel: channel, snapshotID: id, at: at, part: index, parts: chunks.count, rows: chunk,
                acks: acks, window: window)
        }
    }

    @Test func aNewReplicaStagesASnapshotWindowByWindowAndInstallsWithTheLast() {
        var sync = ChannelSync(channel: channel, cursor: nil)
        #expect(sync.tick(now: 0) == [.requestSnapshot(resume: nil)])
        let acks = [AckEntry(epoch: 2, upTo: 5, hash: "0f4c2a9d1b7e6a53")]
        let first = window([row("a"), row("b"), row("c")], last: false, acks: acks)
        let staged = SnapshotProgress(
            snapshotID: "s", at: 40, through: RowRef(table: "reservations", key: "c"), held: 3,
            chain: first[0].window!.chain, total: 5)
        // The next window is asked for as soon as a first part of this one is
        // in (it holds the window's end and chain; `held` counts the rows
        // staged before it), once; parts in any order, any number of times.
        var asked = staged
        asked.held = 0
        #expect(sync.received(first[1], now: 1) == [.requestSnapshot(resume: asked)])
        #expect(sync.received(first[1], now: 1).isEmpty)
        #expect(
            sync.received(first[0], now: 2) == [
                .stageSnapshot(
                    rows: [row("a"), row("b"), row("c")], progress: staged, acks: acks, startsOver: true,
                    installs: false)
            ])
        #expect(sync.progress == nil)
        sync.staged(staged, installed: false, now: 3)
        #expect(sync.cursor == nil && sync.progress == staged)
        let second = window([row("d"), row("e")], after: sync, last: true)
        guard
            case .stageSnapshot(let rows, let progress, _, let startsOver, let installs)? = sync.received(
                second[0], now: 4
            ).last
        else {
            Issue.record("the last window was not staged")
            return
        }
        #expect(rows == [row("d"), row("e")] && progress.held == 5 && progress.total == 5)
        #expect(!startsOver && installs)
        sync.staged(progress, installed: true, now: 5)
        #expect(sync.cursor == 40 && sync.progress == nil)
    }

    /// The window asked for ahead is taken only if the one before it was
    /// staged: a whole window whose chain does not match is asked for again,
    /// and the answer asked for ahead of it does not follow what is staged.
    @Test func theWindowAskedForAheadOfAWindowThatFailsItsChainIsNotTaken() {
        var sync = ChannelSync(channel: channel, cursor: nil)
        _ = sync.tick(now: 0)
        var forged = window([row("a"), row("b"), row("c")], last: false)
        forged[1].rows = [row("z")]
        guard case .requestSnapshot(let ahead)? = sync.received(forged[0], now: 1).first, let ahead else {
            Issue.record("the next window was not asked for at the first part")
            return
        }
        #expect(sync.received(forged[1], now: 2) == [.requestSnapshot(resume: nil)])
        // What the hub sends for the request made ahead starts after a window never staged.
        let next = SnapshotWindow(
            after: ahead.through, through: RowRef(table: "reservations", key: "e"), last: true,
            chain: SnapshotChain.next(after: ahead.chain, rows: [row("d"), row("e")], version: .canonical))
        let part = SnapshotPart(
            node: "n", channel: channel, snapshotID: "s", at: 40, part: 0, parts: 1, rows: [row("d"), row("e")],
            window: next)
        #expect(sync.received(part, now: 3).isEmpty)
        #expect(sync.progress == nil && sync.cursor == nil)
    }

    /// A window is checked by the chain version it names: one of version 2
    /// follows one of version 1 (a hub upgraded mid-snapshot), and a window
    /// whose chain is of another version than it names is asked for again.
    @Test func aWindowIsCheckedByTheChainVersionItNames() {
        var sync = ChannelSync(channel: channel, cursor: nil)
        _ = sync.tick(now: 0)
        var mislabelled = window([row("a"), row("b")], last: false)
        mislabelled[0].window!.chainVersion = SnapshotChain.Version.stateBytes.rawValue
        #expect(sync.received(mislabelled[0], now: 1).last == .requestSnapshot(resume: nil))
        let first = window([row("a"), row("b")], last: false)
        guard case .stageSnapshot(_, let progress, _, _, _)? = sync.received(first[0], now: 2).last else {
            Issue.record("the first window, of version 1, was not staged")
            return
        }
        sync.staged(progress, installed: false, now: 3)
        let second = window([row("c")], after: sync, last: true, chainVersion: .stateBytes)
        #expect(second[0].window?.chainVersion == 2)
        guard case .stageSnapshot(let rows, _, _, _, let installs)? = sync.received(second[0], now: 4).last else {
            Issue.record("the last window, of version 2, was not staged")
            return
        }
        #expect(rows == [row("c")] && installs)
    }

    @Test func aWindowThatDoesNotMatchItsChainOrFollowWhatIsStagedIsNotStaged() {
        var sync = ChannelSync(channel: channel, cursor: nil)
        _ = sync.tick(now: 0)
        var forged = window([row("a"), row("b")], last: false)
        forged[0].window!.chain = String(repeating: "0", count: 64)
        forged[0].rows = [row("z")]
        // A window whose rows do not give its chain is asked for again.
        #expect(sync.received(forged[0], now: 1) == [.requestSnapshot(resume: nil)])
        let first = window([row("a"), row("b")], last: false)
        guard case .stageSnapshot(_, let progress, _, _, _)? = sync.received(first[0], now: 2).last else {
            Issue.record("the first window was not staged")
            return
        }
        sync.staged(progress, installed: false, now: 2)
        // The first window again (a duplicate), a window after another row,
        // and the first window of an older snapshot change nothing.
        #expect(sync.received(first[0], now: 3).isEmpty)
        var elsewhere = window([row("x")], after: sync, last: true)
        elsewhere[0].window!.after = RowRef(table: "reservations", key: "q")
        #expect(sync.received(elsewhere[0], now: 3).isEmpty)
        #expect(sync.received(window([row("a")], id: "older", at: 39, last: true)[0], now: 3).isEmpty)
        #expect(sync.progress == progress)
        // The first window of a newer snapshot (the hub started over) replaces what is staged.
        guard
            case .stageSnapshot(_, let restarted, _, let startsOver, _)? = sync.received(
                window([row("a")], id: "newer", at: 45, last: true)[0], now: 4
            ).first
        else {
            Issue.record("a newer snapshot was not taken")
            return
        }
        #expect(startsOver && restarted.snapshotID == "newer" && restarted.held == 1)
    }

    /// Rows staged under a log history the hub went back on may hold what
    /// the restored hub lost (§9.6): a window of another history never
    /// continues them, a first window of the new one replaces them even at a
    /// lower `at`, and following the new history forgets them.
    @Test func windowsOfAnotherLogHistoryNeverContinueWhatIsStaged() {
        var sync = ChannelSync(channel: channel, cursor: nil)
        _ = sync.tick(now: 0)
        var first = window([row("a"), row("b")], last: false)
        first[0].history = "h-1"
        guard case .stageSnapshot(_, let progress, _, _, _)? = sync.received(first[0], now: 1).last else {
            Issue.record("the first window was not staged")
            return
        }
        #expect(progress.history == "h-1")
        sync.staged(progress, installed: false, now: 1)
        var next = window([row("c")], after: sync, last: true)
        next[0].history = "h-2"
        #expect(sync.received(next[0], now: 2).isEmpty)
        var restarted = window([row("a")], id: "after-restore", at: 30, last: true)
        restarted[0].history = "h-2"
        guard case .stageSnapshot(_, _, _, let startsOver, _)? = sync.received(restarted[0], now: 3).last else {
            Issue.record("a first window of the new history was not taken")
            return
        }
        #expect(startsOver)
        var kept = ChannelSync(channel: channel, cursor: nil, progress: progress)
        kept.followed(history: "h-1")
        #expect(kept.progress == progress)
        kept.followed(history: "h-2")
        #expect(kept.progress == nil)
    }

    /// The next window is asked for before the window in hand is staged;
    /// a stage that failed leaves the snapshot where it stood, so the
    /// window that answers the early request is not taken, and the window
    /// after what is staged is asked for again once the request is due.
    @Test func aWindowAskedForAheadOfAStageThatFailedIsNotTakenButAskedForAgain() {
        var sync = ChannelSync(channel: channel, cursor: nil, configuration: .init(requestTimeoutMillis: 1000))
        _ = sync.tick(now: 0)
        let first = window([row("a"), row("b")], last: false)
        guard case .requestSnapshot(let ahead)? = sync.received(first[0], now: 1).first, let ahead else {
            Issue.record("the next window was not asked for ahead")
            return
        }
        // The stage fails: `staged` is never called.
        let answer = window([row("c")], after: ChannelSync(channel: channel, cursor: nil, progress: ahead), last: true)
        #expect(sync.received(answer[0], now: 2).isEmpty)
        #expect(sync.progress == nil)
        #expect(sync.tick(now: 500).isEmpty)
        #expect(sync.tick(now: 1001) == [.requestSnapshot(resume: nil)])
    }

    @Test func aSnapshotOfTheWholeChannelFromAHubWithoutWindowsIsNotTaken() {
        var sync = ChannelSync(channel: channel, cursor: nil)
        _ = sync.tick(now: 0)
        var part = window([row("a")], last: true)[0]
        part.window = nil
        #expect(sync.received(part, now: 1).isEmpty)
    }

    @Test func snapshotRequestsBackOffUntilAWindowArrivesAndResumeFromWhatIsStaged() {
        let staged = SnapshotProgress(
            snapshotID: "s", at: 40, through: RowRef(table: "reservations", key: "c"), held: 3, chain: "")
        // After a restart, the snapshot goes on from what the disk staged.
        var sync = ChannelSync(
            channel: channel, cursor: nil, progress: staged,
            configuration: .init(requestTimeoutMillis: 1000, maxSnapshotBackoffMillis: 4000))
        #expect(sync.tick(now: 0) == [.requestSnapshot(resume: staged)])
        var asked: [UInt64] = []
        for now in stride(from: UInt64(100), through: 20_000, by: 100) where !sync.tick(now: now).isEmpty {
            asked.append(now)
        }
        // 1 s, then 2 s, then 4 s at most between requests.
        #expect(asked == [1000, 3000, 7000, 11_000, 15_000, 19_000])
        // A reconnect asks at once, and the waits start short again.
        sync.connectionRestored()
        #expect(sync.tick(now: 19_100) == [.requestSnapshot(resume: staged)])
        #expect(sync.tick(now: 20_000).isEmpty)
        #expect(sync.tick(now: 20_100) == [.requestSnapshot(resume: staged)])
    }
}

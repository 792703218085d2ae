import MallDomain
import Simulation
import SyncCore
import Testing

/// The hub's side of windowed snapshots (SPEC §9.5): each request is
/// answered with the next window after the position it names, read without
/// the rest of the channel; a position the log no longer reaches starts over.
@Suite struct SnapshotWindowServingTests {
    static let now: UInt64 = 1_800_000_000_000
    static let parking = Channel(mall: "m", kind: .parking)
    static let topic = Topics.node("gate-1", mall: "m", .up)

    let hub: HubEngine<MemoryHubStore>

    init() throws {
        hub = try HubEngine(
            configuration: .init(
                schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)], snapshotRowsPerPart: 2,
                snapshotRowsPerWindow: 3),
            store: MemoryHubStore(schema: .mall))
        for index in 1...7 {
            _ = try hub.write(
                [
                    .insert(
                        "reservations", "r-\(index)",
                        ["member_id": .text("m-1"), "plate": .text("沪A1234\(index)"), "status": .text("booked")])
                ], mall: "m", now: Self.now)
        }
    }

    func window(
        resume: SnapshotProgress?, now: UInt64 = now, chainVersion: Int? = nil
    ) -> (parts: [SnapshotPart], rejection: WireError?) {
        let request = SnapshotRequest(
            node: "gate-1", channel: Self.parking, windowed: true, resume: resume, chainVersion: chainVersion)
        let result = hub.receive(topic: Self.topic, message: .snapshotRequest(request), now: now)
        let parts = result.outgoing.compactMap { outgoing -> SnapshotPart? in
            if case .snapshotPart(let part) = outgoing.message { part } else { nil }
        }
        return (parts, result.rejection)
    }

    func progress(after parts: [SnapshotPart], staged: SnapshotProgress?) -> SnapshotProgress {
        let rows = parts.flatMap(\.rows)
        let window = parts[0].window!
        return SnapshotProgress(
            snapshotID: parts[0].snapshotID, at: parts[0].at, through: window.through ?? staged?.through,
            held: (staged?.held ?? 0) + UInt64(rows.count), chain: window.chain, total: window.total ?? staged?.total,
            history: parts[0].history)
    }

    /// For a node that checks the chain of version 1 only (names none) and
    /// for one that checks the newest, or asks for one the hub does not know.
    @Test(arguments: [nil, 1, 2, 3] as [Int?])
    func windowsFollowEachOtherInOrderUntilTheLastAndChainTheirRows(chainVersion: Int?) throws {
        var staged: SnapshotProgress?
        var keys: [String] = []
        var windows = 0
        while true {
            let (parts, rejection) = window(
                resume: staged, now: Self.now + UInt64(windows) * 100, chainVersion: chainVersion)
            #expect(rejection == nil && !parts.isEmpty)
            guard let window = parts.first?.window else { return }
            #expect(window.after == staged?.through)
            #expect(parts.allSatisfy { $0.window == window && $0.parts == parts.count && $0.rows.count <= 2 })
            let rows = parts.flatMap(\.rows)
            #expect(window.chainVersion == ((chainVersion ?? 1) >= 2 ? 2 : nil))
            let version = try #require(window.chainStep)
            #expect(window.chain == SnapshotChain.next(after: staged?.chain ?? "", rows: rows, version: version))
            keys += rows.map(\.key)
            staged = progress(after: parts, staged: staged)
            windows += 1
            if window.last { break }
        }
        // 7 rows in windows of 3: 3, 3, 1, the last one short.
        #expect(windows == 3)
        #expect(keys == (1...7).map { "r-\($0)" })
        #expect(staged?.total == 7 && staged?.held == 7 && staged?.at == hub.heads[Self.parking])
    }

    @Test func aResumeTheLogNoLongerReachesStartsANewSnapshot() throws {
        let first = window(resume: nil).parts
        var staged = progress(after: first, staged: nil)
        // A position past the head (a hub gone back to a backup) cannot go on,
        var beyond = staged
        beyond.at += 10
        let again = window(resume: beyond, now: Self.now + 10_000).parts
        #expect(again.first?.window?.after == nil && again.first?.snapshotID != staged.snapshotID)
        #expect(again.first?.window?.total == 7)
        // nor a position below the floor: entries after it were collected.
        _ = try hub.write([.delete("reservations", "r-1")], mall: "m", now: Self.now + 20_000)
        _ = try hub.tick(now: Self.now + 60_000)
        #expect((hub.floors[Self.parking] ?? 0) > staged.at)
        let restarted = window(resume: staged, now: Self.now + 70_000).parts
        #expect(restarted.first?.window?.after == nil && restarted.first?.at == hub.heads[Self.parking])
        staged.at = hub.heads[Self.parking] ?? 0
        #expect(window(resume: staged, now: Self.now + 80_000).parts.first?.window?.after == staged.through)
        // nor one started in another log history (a hub since restored from a backup).
        staged.history = "another-history"
        #expect(window(resume: staged, now: Self.now + 90_000).parts.first?.window?.after == nil)
    }

    /// A stolen node asking for window after window is cut at the burst,
    /// over all its channels: each window reads rows, so each one counts.
    @Test func windowsBeyondTheAllowanceAreRefused() {
        let first = window(resume: nil).parts
        let staged = progress(after: first, staged: nil)
        let answers = (0..<10).map { _ in window(resume: staged) }
        #expect(answers.prefix(7).allSatisfy { $0.rejection == nil })
        #expect(answers.suffix(3).allSatisfy { $0.rejection?.code == .rateLimited && $0.parts.isEmpty })
        #expect(window(resume: staged, now: Self.now + 1_000).rejection == nil)
    }

    /// A node from before windows takes the whole channel in one go, which
    /// the hub reads into memory: it gets that only for a small channel, so
    /// no device can make the hub hold a large one.
    @Test func aWholeChannelSnapshotIsRefusedBeyondItsLimit() throws {
        let small = try HubEngine(
            configuration: .init(
                schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)], maxWholeSnapshotRows: 7),
            store: MemoryHubStore(schema: .mall))
        func write(_ key: String) throws {
            _ = try small.write(
                [
                    .insert(
                        "reservations", key,
                        ["member_id": .text("m-1"), "plate": .text("沪A12345"), "status": .text("booked")])
                ], mall: "m",
                now: Self.now)
        }
        func wholeChannel(now: UInt64) -> HubEngine<MemoryHubStore>.Result {
            small.receive(
                topic: Self.topic, message: .snapshotRequest(SnapshotRequest(node: "gate-1", channel: Self.parking)),
                now: now)
        }
        for index in 1...7 { try write("r-\(index)") }
        let atTheLimit = wholeChannel(now: Self.now)
        #expect(atTheLimit.rejection == nil)
        #expect(
            atTheLimit.outgoing.reduce(0) { total, outgoing in
                if case .snapshotPart(let part) = outgoing.message { total + part.rows.count } else { total }
            } == 7)

        try write("r-8")
        let beyond = wholeChannel(now: Self.now + 10_000)
        #expect(beyond.rejection?.code == .tooLarge && beyond.outgoing.isEmpty)
        #expect(beyond.rejection?.detail.contains("8 rows") == true)
        let request = SnapshotRequest(node: "gate-1", channel: Self.parking, windowed: true)
        #expect(
            small.receive(topic: Self.topic, message: .snapshotRequest(request), now: Self.now + 20_000).rejection
                == nil)
    }
}

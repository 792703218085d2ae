import Foundation
import GRDB
import Storage
import SyncCore
import Synchronization
import Testing

/// The group commit's checkpoints: taken in a pause between commits, so that
/// no decision's sync waits behind one, and taken anyway under load without
/// a pause, so that the WAL stays bounded; and its syncs, for lanes at once
/// and for a lone decision.
@Suite("Checkpoints")
struct CheckpointTests {
    /// A node's replica on a fresh file, removed after `body`.
    func withReplica(_ body: (SQLiteReplica) async throws -> Void) async throws {
        let path = PowerLossTests.file()
        defer { PowerLossTests.remove(path) }
        let replica = try SQLiteReplica(path: path, schema: .mall)
        _ = try replica.start(minimumEpoch: 1)
        try await body(replica)
    }

    /// Decision `seq` committed and synced, as a gate's lane waits for it.
    func decide(_ seq: UInt64, at replica: SQLiteReplica) async throws {
        let change = PowerLossTests.passage(seq)
        try replica.commitLocal([change], clock: change.hlc)
        try await replica.groupCommit.waitUntilDurable()
    }

    @Test func aCheckpointRunsInThePauseAfterABurstOfDecisions() async throws {
        try await withReplica { replica in
            for seq in 1...40 as ClosedRange<UInt64> { try await decide(seq, at: replica) }
            for _ in 0..<500 where replica.groupCommit.figures.checkpoints == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(replica.groupCommit.figures.checkpoints == 1)
            #expect(replica.groupCommit.figures.checkpointFailures == 0)
        }
    }

    @Test func underLoadWithoutAPauseTheWALIsCheckpointedAnyway() async throws {
        try await withReplica { replica in
            var seq: UInt64 = 0
            while replica.groupCommit.figures.checkpoints == 0, seq < 20_000 {
                seq += 1
                try await decide(seq, at: replica)
            }
            #expect(replica.groupCommit.figures.checkpoints >= 1, "no checkpoint in \(seq) commits back to back")
            #expect(replica.groupCommit.figures.checkpointFailures == 0)
        }
    }

    /// A snapshot's install commits without the writer's automatic
    /// checkpoint: the group checkpoints the whole WAL aside, again and
    /// again while a reader's older snapshot holds part of it back, and
    /// turns the automatic checkpoint back on once nothing is left.
    @Test func anInstallIsCheckpointedWholeAsideEvenBehindAnOlderReader() async throws {
        try await withReplica { replica in
            let channel = Channel(mall: "m", kind: .parking)
            func rows(_ range: Range<UInt64>) -> [SnapshotRow] {
                range.map { seq in
                    var state = RowState()
                    state.apply(PowerLossTests.passage(seq))
                    return SnapshotRow(table: "gate_passages", key: "gp-\(seq)", seq: seq, state: state)
                }
            }
            func progress(_ held: UInt64) -> SnapshotProgress {
                SnapshotProgress(snapshotID: "s", at: 5_000, through: nil, held: held, chain: "")
            }
            try replica.stageSnapshot(
                channel: channel, rows: rows(1..<2001), progress: progress(2000), startsOver: true, installs: false)
            // A reader of the staged rows, holding its snapshot until the
            // group's first checkpoint after the install, and noting whether
            // the automatic checkpoint was still off then. On a thread of its
            // own, which does the waiting: on two cores a test's task can
            // wait for a thread of the pool for longer than the group goes on
            // trying (half a minute), which once let the reader go first here.
            let staged = try #require(replica.stagedRows(of: channel))
            let begun = DispatchSemaphore(value: 0)
            let installed = DispatchSemaphore(value: 0)
            defer { installed.signal() }
            let reading = ReaderOutcome()
            let (database, groupCommit) = (replica.database, replica.groupCommit)
            @Sendable func automaticCheckpoint() throws -> Int? {
                try database.read { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") }
            }
            Thread.detachNewThread {
                var visited = 0
                let outcome = Result { () throws -> Int in
                    try staged.forEachVisibleRow(
                        of: ["gate_passages"], columns: ["gate_passages": ["lane"]], begun: { _ in begun.signal() }
                    ) { _, _, _ in
                        if visited == 0 {
                            _ = installed.wait(timeout: .now() + 60)
                            for _ in 0..<6000 where groupCommit.figures.checkpoints == 0 { usleep(10_000) }
                            let seen = try automaticCheckpoint()
                            reading.automaticCheckpointAfterFirst.withLock { $0 = seen }
                        }
                        visited += 1
                    }
                    return visited
                }
                reading.result.withLock { $0 = outcome }
                begun.signal()  // for a reader that failed before it began
            }
            try #require(begun.wait(timeout: .now() + 30) == .success)
            try replica.stageSnapshot(
                channel: channel, rows: rows(2001..<2101), progress: progress(2100), startsOver: false, installs: true)
            #expect(try automaticCheckpoint() == 0)
            installed.signal()
            // The first checkpoint ran while the reader held the install's frames back.
            for _ in 0..<6000 where reading.result.withLock({ $0 == nil }) {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(reading.automaticCheckpointAfterFirst.withLock { $0 } == 0)
            #expect(try reading.result.withLock { $0 }?.get() == 2000)
            for _ in 0..<3000 where try automaticCheckpoint() == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(try automaticCheckpoint() == 10_000)
            #expect(groupCommit.figures.checkpoints >= 2, "the first checkpoint could not be whole")
            #expect(groupCommit.figures.checkpointFailures == 0)
            #expect(try replica.rowCount(of: "gate_passages") == 2100)
        }
    }

    /// Lanes deciding at once and a lone decision after them: every wait
    /// returns once its commit is on disk, whoever made the sync.
    @Test func lanesAtOnceAndALoneDecisionAfterThemAreAllMadeDurable() async throws {
        let path = PowerLossTests.file()
        defer { PowerLossTests.remove(path) }
        let lanes = try Lanes(path: path)
        let groupCommit = lanes.groupCommit
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<100 {
                        try await lanes.commit()
                        try await groupCommit.waitUntilDurable()
                    }
                }
            }
            try await group.waitForAll()
        }
        try await lanes.commit()
        try await groupCommit.waitUntilDurable()
        #expect(groupCommit.figures.commits == 401 && groupCommit.figures.syncs <= 401)
    }
}

/// A node's replica committing one decision at a time, as its actor does for its lanes.
private actor Lanes {
    private let replica: SQLiteReplica
    nonisolated let groupCommit: GroupCommit
    private var seq: UInt64 = 0

    init(path: String) throws {
        replica = try SQLiteReplica(path: path, schema: .mall)
        _ = try replica.start(minimumEpoch: 1)
        groupCommit = replica.groupCommit
    }

    func commit() throws {
        seq += 1
        let change = PowerLossTests.passage(seq)
        try replica.commitLocal([change], clock: change.hlc)
    }
}

/// What a reader on a thread of its own ended with: rows visited, or its error.
private final class ReaderOutcome: Sendable {
    let result = Mutex<Result<Int, any Error>?>(nil)
    /// `PRAGMA wal_autocheckpoint` when the reader saw the first checkpoint.
    let automaticCheckpointAfterFirst = Mutex<Int?>(nil)
}

import Foundation
import Storage
import SyncCore
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

import Foundation
import GRDB
import MallDomain
import Simulation
import Storage
import StorageFaults
import SyncCore
import Testing

/// Power loss under a node's replica, in the manner of SQLite's crash tests:
/// the SQLite VFS shim undoes (or tears, sector by sector) every write not
/// yet synced at a random write or sync, while the replica commits gate
/// decisions as the node does: each commit writes its WAL frames, and is
/// acknowledged once the group commit has synced them (`GroupCommit`). Then
/// no acknowledged decision is lost and no file is damaged; acknowledged at
/// once, before the sync, the same run loses decisions, which shows the test
/// can fail.
///
/// `MALLEDGE_POWER_LOSS_ITERATIONS` sets the runs (default 40; the long mode
/// runs 400).
@Suite("Power loss", .serialized)
struct PowerLossTests {
    static var iterations: Int {
        ProcessInfo.processInfo.environment["MALLEDGE_POWER_LOSS_ITERATIONS"].flatMap(Int.init) ?? 40
    }

    struct Outcome {
        var acknowledged = 0
        var lost = 0
        var damaged = 0
        var cuts = 0
    }

    /// On tmpfs where there is one: the power cut is the shim's, not the
    /// disk's, and a few thousand real fsyncs would only slow every other
    /// test that commits durably meanwhile.
    static func file() -> String {
        let memory = "/dev/shm"
        let directory =
            FileManager.default.isWritableFile(atPath: memory)
            ? URL(fileURLWithPath: memory) : FileManager.default.temporaryDirectory
        return directory.appendingPathComponent("malledge-power-\(UUID().uuidString).sqlite").path
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Decision `seq`: a gate passage, as a gate decision commits it.
    static func passage(_ seq: UInt64) -> Change {
        Change(
            id: ChangeID(origin: "gate-1", epoch: 1, seq: seq),
            hlc: HybridTimestamp(wallMillis: 1_800_000_000_000 + seq), table: "gate_passages",
            key: "gp-gate-1-1-\(seq)", channel: Channel(mall: "m", kind: .parking), op: .insert,
            columns: ["lane": .text("north"), "direction": .text("in"), "decision": .text("admit")])
    }

    /// A store the power goes under: it commits decision `seq` (true once
    /// acknowledged), and after a reopen says whether it holds one.
    protocol Subject {
        /// - Parameter answersBeforeSync: acknowledge as the commit returns,
        ///   without waiting for the group commit's sync (wrong on purpose).
        init(path: String, answersBeforeSync: Bool) throws
        var database: DatabaseQueue { get }
        mutating func commit(_ seq: UInt64) async throws -> Bool
        func holds(_ seq: UInt64) throws -> Bool
    }

    /// A node's replica committing the passage locally (epoch 1 on a fresh file).
    struct Node: Subject {
        let replica: SQLiteReplica
        let answersBeforeSync: Bool
        var database: DatabaseQueue { replica.database }

        init(path: String, answersBeforeSync: Bool) throws {
            replica = try SQLiteReplica(path: path, schema: .mall)
            self.answersBeforeSync = answersBeforeSync
            _ = try replica.start(minimumEpoch: 1)
        }

        func commit(_ seq: UInt64) async throws -> Bool {
            let change = PowerLossTests.passage(seq)
            try replica.commitLocal([change], clock: change.hlc)
            if !answersBeforeSync { try await replica.groupCommit.waitUntilDurable() }
            return true
        }

        func holds(_ seq: UInt64) throws -> Bool {
            try replica.row(RowRef(table: "gate_passages", key: PowerLossTests.passage(seq).key))?.isVisible == true
        }
    }

    /// The hub taking the passage from a gate: acknowledged once it acks.
    struct Hub: Subject {
        let store: SQLiteHubStore
        let engine: HubEngine<SQLiteHubStore>
        var database: DatabaseQueue { store.database }

        init(path: String, answersBeforeSync: Bool) throws {
            store = try SQLiteHubStore(path: path, schema: .mall)
            engine = try HubEngine(
                configuration: .init(schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)]), store: store)
        }

        /// The hub's publisher waits for the group commit before it sends the ack.
        func commit(_ seq: UInt64) async throws -> Bool {
            let result = engine.receive(
                topic: Topics.node("gate-1", mall: "m", .up),
                message: .changes(ChangeBatch(node: "gate-1", sentAt: 0, changes: [PowerLossTests.passage(seq)])),
                now: 1_800_000_000_000)
            if let failure = result.storeFailure { throw StorageError(.durability, failure) }
            try await store.groupCommit.waitUntilDurable()
            return result.outgoing.contains { if case .ack = $0.message { true } else { false } }
        }

        func holds(_ seq: UInt64) throws -> Bool { try store.logged(PowerLossTests.passage(seq).id) != nil }
    }

    /// One run, reproducible from its seed: a fresh store commits decisions;
    /// after 0 to 20 of them the cut is armed for the 1st to 150th write or
    /// sync; once a commit fails the store is closed, reopened and checked.
    func run<S: Subject>(_ subject: S.Type, seed: UInt32, answersBeforeSync: Bool = false) async throws -> Outcome {
        try StorageFaults.install()
        let path = Self.file()
        defer { Self.remove(path) }
        var random = SeededRandom(seed: UInt64(seed))
        var outcome = Outcome()
        var acknowledged: [UInt64] = []
        do {
            var store = try S(path: path, answersBeforeSync: answersBeforeSync)
            let warmUp = UInt64(random.int(0...20))
            for seq in 1...UInt64(400) {
                if seq == warmUp + 1 {
                    StorageFaults.cutPower(
                        ofFilesContaining: path, after: random.int(1...150), seed: seed, tear: seed % 2 == 0)
                }
                guard (try? await store.commit(seq)) == true else { break }
                acknowledged.append(seq)
            }
            outcome.cuts = StorageFaults.powerWasCut ? 1 : 0
            try? store.database.close()
        }
        StorageFaults.restorePower()
        outcome.acknowledged = acknowledged.count
        do {
            let reopened = try S(path: path, answersBeforeSync: answersBeforeSync)
            let check = try await reopened.database.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
            if check != "ok" { outcome.damaged = 1 }
            outcome.lost = try acknowledged.filter { try !reopened.holds($0) }.count
            try reopened.database.close()
        } catch {
            outcome.damaged = 1
        }
        return outcome
    }

    func runs(_ name: String, _ run: (UInt32) async throws -> Outcome) async throws -> Outcome {
        var total = Outcome()
        for seed in 1...UInt32(Self.iterations) {
            let outcome = try await run(seed)
            total.acknowledged += outcome.acknowledged
            total.lost += outcome.lost
            total.damaged += outcome.damaged
            total.cuts += outcome.cuts
        }
        print(
            "power loss, \(name): \(Self.iterations) runs, \(total.cuts) cuts, "
                + "\(total.acknowledged) acknowledged, \(total.lost) lost, \(total.damaged) damaged files")
        return total
    }

    @Test func atANodeNoDecisionAcknowledgedAfterItsSyncIsLostAndNoFileIsDamaged() async throws {
        let total = try await runs("node replica, acknowledged after the group sync") {
            try await run(Node.self, seed: $0)
        }
        #expect(total.cuts == Self.iterations)
        #expect(total.lost == 0)
        #expect(total.damaged == 0)
    }

    @Test func atTheHubNoAcknowledgedChangeIsLostAndNoFileIsDamaged() async throws {
        let total = try await runs("hub store, acked after the group sync") { try await run(Hub.self, seed: $0) }
        #expect(total.cuts == Self.iterations)
        #expect(total.lost == 0)
        #expect(total.damaged == 0)
    }

    @Test func acknowledgedBeforeTheSyncTheSameRunLosesDecisions() async throws {
        let total = try await runs("node replica, acknowledged before the sync") {
            try await run(Node.self, seed: $0, answersBeforeSync: true)
        }
        #expect(total.cuts == Self.iterations)
        #expect(total.lost > 0, "the power-loss test cannot fail: it would not see a lost decision")
    }
}

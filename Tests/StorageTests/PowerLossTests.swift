import Foundation
import GRDB
import Storage
import StorageFaults
import SyncCore
import Testing

/// Power loss under a node's replica, in the manner of SQLite's crash tests:
/// the SQLite VFS shim undoes (or tears, sector by sector) every write not
/// yet synced at a random write or sync, while the replica commits gate
/// decisions as the node does. With `synchronous=FULL`, as production runs,
/// no decision whose commit returned is lost and no file is damaged; with
/// `NORMAL` the same run loses decisions, which shows the test can fail.
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

    static func passage(_ seq: UInt64, epoch: UInt64) -> Change {
        Change(
            id: ChangeID(origin: "gate-1", epoch: epoch, seq: seq),
            hlc: HybridTimestamp(wallMillis: 1_800_000_000_000 + seq), table: "gate_passages",
            key: "gp-gate-1-\(epoch)-\(seq)", channel: Channel(mall: "m", kind: .parking), op: .insert,
            columns: ["lane": .text("north"), "direction": .text("in"), "decision": .text("admit")])
    }

    /// Arms the cut after a few decisions, so the files already hold synced data.
    static func armCut(_ path: String, seed: UInt32) {
        var random = SystemRandomNumberGenerator()
        StorageFaults.cutPower(
            ofFilesContaining: path, after: Int.random(in: 1...150, using: &random), seed: seed, tear: seed % 2 == 0)
    }

    /// One run at a node: a fresh replica commits one passage per decision
    /// until the power goes; then it is reopened and checked.
    func nodeRun(seed: UInt32, normalSync: Bool) throws -> Outcome {
        try StorageFaults.install()
        let path = Self.file()
        defer { Self.remove(path) }
        var outcome = Outcome()
        var acknowledged: [String] = []
        do {
            let replica = try SQLiteReplica(path: path)
            if normalSync {
                try replica.database.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = NORMAL") }
            }
            let epoch = try replica.start(minimumEpoch: 1).epoch
            let warmUp = UInt64.random(in: 0...20)
            for seq in 1...UInt64(400) {
                if seq == warmUp + 1 { Self.armCut(path, seed: seed) }
                let change = Self.passage(seq, epoch: epoch)
                do {
                    try replica.commitLocal([change], clock: change.hlc)
                    acknowledged.append(change.key)
                } catch {
                    break
                }
            }
            outcome.cuts = StorageFaults.powerWasCut ? 1 : 0
            try? replica.database.close()
        }
        StorageFaults.restorePower()
        outcome.acknowledged = acknowledged.count
        do {
            let reopened = try SQLiteReplica(path: path)
            let check = try reopened.database.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
            if check != "ok" { outcome.damaged = 1 }
            outcome.lost = try acknowledged.filter {
                try reopened.row(RowRef(table: "gate_passages", key: $0))?.isVisible != true
            }.count
            try reopened.database.close()
        } catch {
            outcome.damaged = 1
        }
        return outcome
    }

    /// One run at the hub: changes from a gate are taken and acknowledged
    /// until the power goes; then the store is reopened and every change the
    /// hub acknowledged must be in its log.
    func hubRun(seed: UInt32) throws -> Outcome {
        try StorageFaults.install()
        let path = Self.file()
        defer { Self.remove(path) }
        var outcome = Outcome()
        var acknowledged: [ChangeID] = []
        do {
            let store = try SQLiteHubStore(path: path)
            let hub = try HubEngine(
                configuration: .init(fleet: ["gate-1": .init(mall: "m", role: .gate)]), store: store)
            let warmUp = UInt64.random(in: 0...20)
            for seq in 1...UInt64(400) {
                if seq == warmUp + 1 { Self.armCut(path, seed: seed) }
                let change = Self.passage(seq, epoch: 1)
                let result = hub.receive(
                    topic: Topics.node("gate-1", mall: "m", .up),
                    message: .changes(ChangeBatch(node: "gate-1", sentAt: 0, changes: [change])),
                    now: 1_800_000_000_000)
                guard result.storeFailure == nil else { break }
                if result.outgoing.contains(where: { if case .ack = $0.message { true } else { false } }) {
                    acknowledged.append(change.id)
                }
            }
            outcome.cuts = StorageFaults.powerWasCut ? 1 : 0
            try? store.database.close()
        }
        StorageFaults.restorePower()
        outcome.acknowledged = acknowledged.count
        do {
            let reopened = try SQLiteHubStore(path: path)
            let check = try reopened.database.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
            if check != "ok" { outcome.damaged = 1 }
            outcome.lost = try acknowledged.filter { try reopened.logged($0) == nil }.count
            try reopened.database.close()
        } catch {
            outcome.damaged = 1
        }
        return outcome
    }

    func runs(_ name: String, _ run: (UInt32) throws -> Outcome) throws -> Outcome {
        var total = Outcome()
        for seed in 1...UInt32(Self.iterations) {
            let outcome = try run(seed)
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

    @Test func atANodeWithFullSyncNoAcknowledgedDecisionIsLostAndNoFileIsDamaged() throws {
        let total = try runs("node replica, synchronous=FULL") { try nodeRun(seed: $0, normalSync: false) }
        #expect(total.cuts == Self.iterations)
        #expect(total.lost == 0)
        #expect(total.damaged == 0)
    }

    @Test func atTheHubNoAcknowledgedChangeIsLostAndNoFileIsDamaged() throws {
        let total = try runs("hub store, synchronous=FULL") { try hubRun(seed: $0) }
        #expect(total.cuts == Self.iterations)
        #expect(total.lost == 0)
        #expect(total.damaged == 0)
    }

    @Test func withNormalSyncTheSameRunLosesDecisions() throws {
        let total = try runs("node replica, synchronous=NORMAL") { try nodeRun(seed: $0, normalSync: true) }
        #expect(total.cuts == Self.iterations)
        #expect(total.lost > 0, "the power-loss test cannot fail: it would not see a lost decision")
    }
}

import Foundation
import GRDB
import MallDomain
import SyncCore
import Testing

@testable import Storage

/// A store file whose numbers were damaged or edited (a negative position,
/// an epoch at the top of SQLite's integers) is refused at start with a
/// `corrupt` error that names the number, instead of trapping the process
/// on its own data.
@Suite struct DamagedStoreTests {
    static func file(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).sqlite").path
    }

    static func corruption(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as StorageError where error.code == .corrupt {
            return error.detail
        } catch {
            return "not a corrupt-store error: \(error)"
        }
    }

    @Test(arguments: [
        "UPDATE meta SET value = -5 WHERE key = 'epoch'",
        "UPDATE meta SET value = 9223372036854775807 WHERE key = 'epoch'",
        "UPDATE meta SET value = 9007199254740991 WHERE key = 'epoch'",
        "UPDATE local_tip SET clock_counter = 4294967296",
        "UPDATE local_tip SET chain_seq = -1",
        "UPDATE local_tip SET last_created_epoch = 9223372036854775807",
        "DELETE FROM local_tip",
        "INSERT INTO cursors (channel, seq) VALUES ('m/parking', -1)",
    ])
    func aReplicaWithADamagedNumberIsRefusedAtStart(damage: String) throws {
        let path = Self.file("node")
        let replica = try SQLiteReplica(path: path, schema: .mall)
        _ = try replica.start(minimumEpoch: 1)
        try replica.database.write { db in try db.execute(sql: damage) }
        let detail = Self.corruption { _ = try replica.start(minimumEpoch: 1) }
        #expect(
            ["meta ", "local_tip ", "cursor of m/parking"].contains { detail?.hasPrefix($0) == true }, "\(detail ?? "")"
        )
    }

    /// What a start would refuse is not written: the commit fails whole,
    /// and the store starts as it stood.
    @Test func aClockBeyondWhatAStartReadsBackIsNotWritten() throws {
        let replica = try SQLiteReplica(path: Self.file("node"), schema: .mall)
        _ = try replica.start(minimumEpoch: 1)
        let detail = Self.corruption {
            try replica.commitLocal([], clock: HybridTimestamp(wallMillis: WireMessage.maxInteger + 1))
        }
        #expect(detail?.hasPrefix("local_tip clock_wall") == true, "\(detail ?? "")")
        #expect(try replica.start(minimumEpoch: 1).clock == HybridTimestamp(wallMillis: 0))
    }

    @Test(arguments: [
        "UPDATE meta SET value = 9223372036854775807 WHERE key = 'epoch'",
        "UPDATE meta SET value = 9007199254740991 WHERE key = 'epoch'",
        "INSERT INTO high_waters (origin, epoch, seq, chain, hlc_wall, hlc_counter) VALUES ('gate-1', -1, 1, '', 0, 0)",
        "INSERT OR REPLACE INTO floors (channel, seq) VALUES ('m/parking', -7)",
        "INSERT INTO log (seq, origin, epoch, oseq, hash, chain, channel, table_name, key) "
            + "VALUES (9223372036854775807, 'gate-1', 1, 1, 'h', 'c', 'm/parking', 'gate_passages', 'p-1')",
    ])
    func aHubStoreWithADamagedNumberIsRefusedAtStart(damage: String) throws {
        let store = try SQLiteHubStore(path: Self.file("hub"), schema: .mall)
        _ = try store.start()
        try store.database.write { db in try db.execute(sql: damage) }
        let detail = Self.corruption { _ = try store.start() }
        #expect(detail != nil && detail?.hasPrefix("not a") == false)
    }
}

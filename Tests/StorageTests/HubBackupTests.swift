import Foundation
import MallDomain
import Storage
import SyncCore
import Testing

/// A backup of the hub's store taken while another connection keeps writing.
@Suite struct HubBackupTests {
    func path(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).sqlite").path
    }

    func claim(_ index: UInt64) -> Claim {
        Claim(
            kind: "gift.double-redemption", item: "gc-1",
            stamp: Stamp(hlc: HybridTimestamp(wallMillis: index), id: ChangeID(origin: "gift-1", epoch: 1, seq: index)),
            rowKey: "gr-gift-1-1-\(index)", channel: Channel(mall: "m", kind: .gifts))
    }

    @Test func aBackupTakenWhileTheHubWritesIsWholeAndNeverOverwritesAFile() async throws {
        let source = path("hub")
        let store = try SQLiteHubStore(path: source, schema: .mall)
        var ingest = HubIngest()
        ingest.claims = (1...200).map(claim)
        try store.commit(ingest)
        // The hub goes on committing while the copy is taken.
        let writer = Task.detached {
            for index in UInt64(201)...400 {
                var more = HubIngest()
                more.claims = [claim(index)]
                try store.commit(more)
            }
        }
        let destination = path("backup")
        let backup = try HubBackup.take(from: source, to: destination)
        try await writer.value
        #expect(backup.bytes > 0)
        // The copy opens as a hub store and holds a consistent prefix of the claims.
        let count = try SQLiteHubStore(path: destination, schema: .mall).claimTally(
            kind: "gift.double-redemption", item: "gc-1"
        ).count
        #expect((200...400).contains(count))
        #expect(throws: StorageError.self) { try HubBackup.take(from: source, to: destination) }
    }
}

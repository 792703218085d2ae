import Foundation
import GRDB
import MallDomain
import SyncCore
import Testing

@testable import Storage

/// The hub store's claims, read as a tally through their stamp order.
@Suite struct ClaimTallyStoreTests {
    func claim(_ wall: UInt64, origin: String = "gift-1", seq: UInt64 = 1) -> Claim {
        Claim(
            kind: "gift.double-redemption", item: "gc-1",
            stamp: Stamp(hlc: HybridTimestamp(wallMillis: wall), id: ChangeID(origin: origin, epoch: 1, seq: seq)),
            rowKey: "gr-\(origin)-1-\(seq)-\(wall)", channel: Channel(mall: "m", kind: .gifts))
    }

    func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("claims-\(UUID().uuidString).sqlite").path
    }

    @Test func theEarliestComeBackInStampOrderWithTheCount() throws {
        let store = try SQLiteHubStore(path: path(), schema: .mall)
        var ingest = HubIngest()
        // Stamps that sort differently as text than as numbers, and origins
        // that are prefixes of each other.
        let claims = [
            claim(10_000), claim(9), claim(100), claim(100, origin: "gift"), claim(100, origin: "gift-10"),
            claim(100, origin: "gift-1", seq: 2),
        ]
        ingest.claims = claims.shuffled()
        try store.commit(ingest)
        let tally = try store.claimTally(kind: "gift.double-redemption", item: "gc-1")
        #expect(tally.count == claims.count)
        #expect(tally.earliest == claims.sorted { $0.stamp < $1.stamp })
    }

    @Test func claimsStoredBeforeTheOrderColumnAreOrderedByTheMigration() throws {
        let file = path()
        let queue = try DatabaseQueue(path: file)
        try SQLiteHubStore.migrator(schema: .mall).migrate(queue, upTo: "v4-high-water-stamps")
        let stored = [claim(300), claim(7), claim(42)]
        try queue.write { db in
            for claim in stored {
                try db.execute(
                    sql: "INSERT INTO claims (kind, item, claim) VALUES (?, ?, ?)",
                    arguments: [claim.kind, claim.item, try StoredJSON.encode(claim)])
            }
        }
        try queue.close()
        let store = try SQLiteHubStore(path: file, schema: .mall)
        let tally = try store.claimTally(kind: "gift.double-redemption", item: "gc-1")
        #expect(tally.earliest == [claim(7), claim(42), claim(300)])
        #expect(tally.count == 3)
    }
}

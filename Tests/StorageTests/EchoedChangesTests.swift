import GRDB
import MallDomain
import SyncCore
import Testing

@testable import Storage

/// Every change a node makes comes back to it in the hub's log. A replica
/// that knows its node settles such a change without merging it again (its
/// row holds it already) and does not report the row to the views; the
/// rows end up exactly as a replica that merges everything leaves them.
@Suite struct EchoedChangesTests {
    static let channel = Channel(mall: "m", kind: .parking)

    static func change(_ seq: UInt64, origin: NodeID = "gate-1", key: String, status: String) -> Change {
        Change(
            id: ChangeID(origin: origin, epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: 1000 + seq),
            table: "reservations", key: key, channel: channel, op: seq == 3 ? .update : .insert,
            columns: ["status": .text(status)])
    }

    /// What the replica holds of each row: key, seq, pending mark, state bytes.
    static func rows(of replica: SQLiteReplica) throws -> [[DatabaseValue]] {
        try replica.database.read { db in
            try Row.fetchAll(db, sql: "SELECT key, seq, pending, state FROM rows ORDER BY key").map {
                Array($0.databaseValues)
            }
        }
    }

    @Test func aNodesOwnChangeComingBackSettlesItsRowWithoutMergingOrReportingIt() throws {
        let knowing = try SQLiteReplica(path: ":memory:", schema: .mall, node: "gate-1")
        let merging = try SQLiteReplica(path: ":memory:", schema: .mall)
        let own = [
            Self.change(1, key: "r-1", status: "booked"), Self.change(2, key: "r-2", status: "booked"),
            Self.change(3, key: "r-2", status: "inside"),
        ]
        // Back from the hub: the first change (its row's mark), the second
        // (its row is marked by the third, made since), a foreign change.
        let entries = [
            LogEntry(seq: 5, change: own[0]), LogEntry(seq: 6, change: own[1]),
            LogEntry(seq: 7, change: Self.change(1, origin: "gate-2", key: "r-3", status: "booked")),
        ]
        var reported: [Set<String>] = []
        for replica in [knowing, merging] {
            _ = try replica.start(minimumEpoch: 1)
            try replica.commitLocal(Array(own[0...1]), clock: .zero)
            try replica.commitLocal([own[2]], clock: .zero)
            let states = try replica.applyRemoteReturningStates(
                channel: Self.channel, entries: entries, upTo: 7, clock: .zero)
            reported.append(Set(states.keys.map(\.key)))
        }
        #expect(reported == [["r-2", "r-3"], ["r-1", "r-2", "r-3"]])
        let rows = try Self.rows(of: knowing)
        #expect(rows == (try Self.rows(of: merging)))
        #expect(rows.first?[1] == 5.databaseValue && rows.first?[2] == .null)
        #expect(rows[1][2] == own[2].contentHash.databaseValue)
    }
}

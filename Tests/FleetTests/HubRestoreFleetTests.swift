import BrokerHarness
import Foundation
import GRDB
import Testing

/// The hub's disk is lost and last night's backup put back: the real
/// processes, the real broker, the operator's two commands.
/// In the fleet suite, so it runs one at a time with the other fleets.
extension FleetIntegrationTests {
    @Test func everyDecisionTheHubLostComesBackFromTheNodesExactlyOnce() async throws {
        let fleet = try await Fleet(nodes: [("gate-1", "gate"), ("gate-2", "gate")])
        defer { fleet.stopAll() }
        try await fleet.startAll()
        var acknowledged: [String] = []
        func decide(_ key: String, at node: String) async throws {
            if try await fleet.insert(
                at: node, table: "gate_passages", key: key, columns: FleetIntegrationTests.passage) == 201
            {
                acknowledged.append(key)
            }
        }
        for i in 0..<10 { try await decide("night-\(i)", at: "gate-1") }
        #expect(await fleet.converged(seconds: 60))

        // The nightly backup, taken while the hub runs.
        let backup = fleet.directory.appendingPathComponent("nightly.sqlite").path
        let taken = try await fleet.hubCommand(["backup", "--to", backup])
        #expect(taken.status == 0, "\(taken.output)")
        // A day of decisions at both gates, all acknowledged and fanned out.
        for i in 0..<25 {
            try await decide("day-a-\(i)", at: "gate-1")
            try await decide("day-b-\(i)", at: "gate-2")
        }
        #expect(await fleet.converged(seconds: 60))

        // Restoring under a running hub is refused and changes nothing.
        let refused = try await fleet.hubCommand(["restore", "--from", backup])
        #expect(refused.status != 0 && refused.output.contains("stop the hub first"), "\(refused.output)")
        // The hub's disk dies; the operator restores the backup and starts it.
        await fleet.stopHub(signal: SIGKILL)
        let restored = try await fleet.hubCommand(["restore", "--from", backup])
        #expect(restored.status == 0, "\(restored.output)")
        try await fleet.startHub()
        // Decisions go on while the fleet recovers.
        for i in 0..<5 { try await decide("after-\(i)", at: "gate-2") }

        #expect(acknowledged.count == 65)
        #expect(await fleet.converged(seconds: 90))
        for key in acknowledged {
            #expect(await fleet.has("gate-1", table: "gate_passages", key: key), "\(key) missing at gate-1")
            #expect(await fleet.has("gate-2", table: "gate_passages", key: key), "\(key) missing at gate-2")
        }
        // The hub's log holds each decision once: what it kept from the
        // backup as an alias, what it lost taken again.
        await fleet.stopHub()
        var readOnly = Configuration()
        readOnly.readonly = true
        let hubStore = try DatabaseQueue(
            path: fleet.directory.appendingPathComponent("hub/hub.sqlite").path, configuration: readOnly)
        let logged = try await hubStore.read { db in
            try Row.fetchAll(
                db, sql: "SELECT key, count(*) AS n FROM log WHERE table_name = 'gate_passages' GROUP BY key"
            ).map { ($0["key"] as String, $0["n"] as Int) }
        }
        #expect(Set(logged.map(\.0)) == Set(acknowledged))
        #expect(logged.allSatisfy { $0.1 == 1 })
    }
}

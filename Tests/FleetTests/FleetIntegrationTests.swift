import BrokerHarness
import Foundation
import Testing

/// The real processes over a real Mosquitto: what a mall would run.
@Suite("Fleet over a real broker", .serialized)
struct FleetIntegrationTests {
    static var passage: [String: Any] {
        [
            "lane": "north-1", "direction": "in", "plate_raw": "沪A·12345", "plate": "沪A12345", "decision": "admit",
            "rule": "exact", "confidence": 97, "at": 1_795_000_000_000,
        ]
    }

    @Test func aChangeAtOneGateReachesTheHubAndTheOtherGateOnly() async throws {
        let fleet = try await Fleet(nodes: [("gate-1", "gate"), ("gate-2", "gate"), ("lounge-1", "lounge")])
        defer { fleet.stopAll() }
        try await fleet.startAll()

        // When gate-1 admits a car…
        #expect(try await fleet.insert(at: "gate-1", table: "gate_passages", key: "p1", columns: Self.passage) == 201)

        // …gate-2 sees the passage, the hub has it, and the lounge (no parking channel) never does.
        #expect(await eventually { await fleet.has("gate-2", table: "gate_passages", key: "p1") })
        #expect(await fleet.converged())
        #expect(await !fleet.has("lounge-1", table: "gate_passages", key: "p1"))
        #expect(try fleet.decisions(of: "gate-1") == ["p1"])
    }

    @Test func aNodeThatWasDownCatchesUpAndWhatItDecidedOfflineReachesTheHub() async throws {
        let fleet = try await Fleet(nodes: [("gate-1", "gate"), ("gate-2", "gate")])
        defer { fleet.stopAll() }
        try await fleet.startAll()
        await fleet.stopNode("gate-2")
        // The operator's terminal says what the console says: gate-2 offline.
        #expect(
            await eventually(seconds: 60) {
                guard let status = try? await fleet.hubCommand(["status"]), status.status == 0,
                    let (code, data) = try? await fleet.get(
                        port: fleet.hubPort, path: "/v1/admin/fleet", token: Fleet.adminToken),
                    code == 200,
                    let summary = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["summary"]
                        as? String
                else { return false }
                let lines = status.output.split(separator: "\n").map(String.init)
                return summary.hasPrefix("1 online, 1 offline") && lines.first == summary
                    && lines.contains { $0.hasPrefix("gate-2 ") && $0.contains("OFFLINE") && $0.contains("offline") }
            })
        // and, asked for problems only, lists gate-2 alone.
        let problems = try await fleet.hubCommand(["status", "--problems"]).output
        #expect(problems.contains("\ngate-2 ") && !problems.contains("\ngate-1 "), "\(problems)")

        // Given gate-1 keeps admitting while gate-2's process is stopped…
        for i in 0..<20 {
            try await fleet.insert(at: "gate-1", table: "gate_passages", key: "a\(i)", columns: Self.passage)
        }
        // …and gate-2 then runs with no broker it can reach and decides on its own,
        try fleet.writeNodeConfig("gate-2", brokerPort: try FreePort.next())
        try await fleet.startNode("gate-2")
        for i in 0..<10 {
            #expect(
                try await fleet.insert(at: "gate-2", table: "gate_passages", key: "b\(i)", columns: Self.passage) == 201
            )
        }
        await fleet.stopNode("gate-2")

        // When it comes back with the broker in reach, both sides end equal.
        try fleet.writeNodeConfig("gate-2", brokerPort: fleet.broker.port)
        try await fleet.startNode("gate-2")
        #expect(await fleet.converged())
        #expect(await fleet.has("gate-1", table: "gate_passages", key: "b9"))
        #expect(await fleet.has("gate-2", table: "gate_passages", key: "a19"))
    }

    @Test func brokerKilledAndRestartedMidStreamLosesAndDoublesNothing() async throws {
        let fleet = try await Fleet(nodes: [("gate-1", "gate"), ("gate-2", "gate")])
        defer { fleet.stopAll() }
        try await fleet.startAll()

        for i in 0..<60 {
            if i == 20 { fleet.broker.kill() }
            if i == 40 { try fleet.broker.start() }
            // The node decides whatever the broker is doing.
            #expect(
                try await fleet.insert(at: "gate-1", table: "gate_passages", key: "k\(i)", columns: Self.passage) == 201
            )
        }
        #expect(await fleet.converged(seconds: 60))
        for i in [0, 20, 39, 59] { #expect(await fleet.has("gate-2", table: "gate_passages", key: "k\(i)")) }
        let decided = try fleet.decisions(of: "gate-1")
        #expect(decided.count == 60 && Set(decided).count == 60)
    }

    @Test func aBrokerThatDropsQueuedMessagesStillConverges() async throws {
        // Mosquitto drops QoS 1 messages silently past this per-client queue.
        let fleet = try await Fleet(
            nodes: [("gate-1", "gate"), ("gate-2", "gate")], brokerSettings: ["max_queued_messages 3"])
        defer { fleet.stopAll() }
        try await fleet.startAll()
        await fleet.stopNode("gate-2")
        for i in 0..<40 {
            try await fleet.insert(at: "gate-1", table: "gate_passages", key: "q\(i)", columns: Self.passage)
        }
        try await fleet.startNode("gate-2")
        #expect(await fleet.converged(seconds: 60))
        #expect(await fleet.has("gate-2", table: "gate_passages", key: "q0"))
    }

    @Test func killMinus9OfANodeAndOfTheHubLosesNothingAcknowledged() async throws {
        let fleet = try await Fleet(nodes: [("gate-1", "gate"), ("gate-2", "gate")])
        defer { fleet.stopAll() }
        try await fleet.startAll()
        var acknowledged: [String] = []
        for i in 0..<60 {
            if i == 15 { await fleet.stopNode("gate-1", signal: SIGKILL) }
            if i == 20 { try await fleet.startNode("gate-1") }
            if i == 35 { await fleet.stopHub(signal: SIGKILL) }
            if i == 45 { try await fleet.startHub() }
            let status = try? await fleet.insert(
                at: "gate-1", table: "gate_passages", key: "x\(i)", columns: Self.passage)
            if status == 201 { acknowledged.append("x\(i)") }
        }
        #expect(acknowledged.count == 55)
        #expect(await fleet.converged(seconds: 60))
        for key in acknowledged { #expect(await fleet.has("gate-2", table: "gate_passages", key: key)) }
        let decided = try fleet.decisions(of: "gate-1")
        #expect(Set(decided) == Set(acknowledged) && decided.count == acknowledged.count)
    }
}

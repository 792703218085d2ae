import BrokerHarness
import Foundation
import Logging
import MosquittoTransport
import Testing
import Transport

/// Every message the real hub and nodes exchange over a real broker is what
/// the published JSON schemas (`sync-protocol/schemas/`) describe: an
/// implementation written from the spec validates real traffic with them.
/// In the fleet suite, so it runs one at a time with the other fleets.
extension FleetIntegrationTests {
    @Test func everyMessageAFleetExchangesValidatesAgainstThePublishedSchemas() async throws {
        let fleet = try await Fleet(nodes: [
            ("gate-1", "gate"), ("gate-2", "gate"), ("lounge-1", "lounge"), ("gift-1", "gift"),
        ])
        defer { fleet.stopAll() }
        // A recorder subscribed to every topic before the fleet starts: births,
        // snapshot requests and their parts, the retained hub status included.
        let recorder = try MosquittoClient(
            session: Session(clientID: "traffic-recorder", subscriptions: ["#"]),
            options: .init(port: fleet.broker.port),
            logger: Logger(label: "recorder") { _ in SwiftLogNoOpLogHandler() })
        let seen = EventRecorder(recorder.events)
        recorder.start()
        #expect(await seen.wait { $0.contains { if case .connected = $0 { true } else { false } } })
        try await fleet.startAll()

        // Decisions at a gate, a lounge check-in, a node stopped and started
        // again (its death, birth and catch-up), then quiet until synced.
        for index in 1...5 {
            _ = try await fleet.insert(
                at: "gate-1", table: "gate_passages", key: "p\(index)", columns: FleetIntegrationTests.passage)
        }
        _ = try await fleet.insert(
            at: "lounge-1", table: "lounge_visits", key: "v1",
            columns: ["member_id": "m-1", "checked_in_at": 1, "guests": 1, "status": "open"])
        await fleet.stopNode("gate-2")
        _ = try await fleet.insert(
            at: "gate-1", table: "gate_passages", key: "p6", columns: FleetIntegrationTests.passage)
        try await fleet.startNode("gate-2")
        #expect(await eventually { await fleet.has("gate-2", table: "gate_passages", key: "p6") })
        #expect(await fleet.converged())
        await recorder.stop()

        let messages = seen.all.compactMap { if case .message(let message) = $0 { message } else { nil } }
        let lines = messages.compactMap { message -> String? in
            guard !message.payload.isEmpty,
                let object = try? JSONSerialization.jsonObject(with: Data(message.payload)) as? [String: Any],
                let type = object["type"] as? String
            else { return nil }
            return "{\"type\": \"\(type)\", \"payload\": \(String(decoding: message.payload, as: UTF8.self))}"
        }
        let types = Set(
            lines.compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["type"] as? String
            })
        let expected: Set = [
            "ack", "batch", "birth", "changes", "death", "heartbeat", "hub-status", "snapshot", "snapshot-request",
        ]
        #expect(expected.isSubset(of: types), "seen: \(types.sorted())")
        #expect(lines.count == messages.filter { !$0.payload.isEmpty }.count, "every payload is a JSON message")

        let directory = fleet.directory.appendingPathComponent("traffic")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try lines.joined(separator: "\n").write(
            to: directory.appendingPathComponent("fleet.jsonl"), atomically: true, encoding: .utf8)
        let script = Fleet.repository.appendingPathComponent("deploy/scripts/check-protocol-schemas.py").path
        let output = fleet.directory.appendingPathComponent("schema-check.txt").path
        let checker = try ChildProcess(
            executable: "/usr/bin/env", arguments: ["python3", script, directory.path], outputFile: output)
        let status = await checker.exited()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(text.suffix(3000))")
        let checked = text.components(separatedBy: " messages checked").first?.split(separator: "\n").last
        #expect(checked.flatMap { Int($0) } ?? 0 >= lines.count, "\(text.suffix(500))")
    }
}

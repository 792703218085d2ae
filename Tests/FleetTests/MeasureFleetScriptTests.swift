import BrokerHarness
import Foundation
import Testing

/// `deploy/scripts/measure-fleet.py`, which the README gives for measuring a
/// running fleet, works against one: it answered 401 once (it sent no
/// device token), and nothing ran it.
/// In the fleet suite, so it runs one at a time with the other fleets.
extension FleetIntegrationTests {
    @Test func theScriptMeasuresPropagationAndMemoryOfARunningFleet() async throws {
        let fleet = try await Fleet(nodes: [("gate-north-1", "gate"), ("gate-south-1", "gate")])
        defer { fleet.stopAll() }
        try await fleet.startAll()
        let output = fleet.directory.appendingPathComponent("measure.txt").path
        let script = Fleet.repository.appendingPathComponent("deploy/scripts/measure-fleet.py").path
        let process = try ChildProcess(
            executable: "/usr/bin/env", arguments: ["python3", script, fleet.directory.path, "20"], outputFile: output)
        let status = await process.exited()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(text)")
        #expect(text.contains("20 decisions: median"), "\(text)")
        #expect(text.contains("resident memory"), "\(text)")
    }
}

import BrokerHarness
import Foundation
import Testing

/// `deploy/scripts/plate-quality-api.py`, which the README gives for
/// measuring the plate rule through a gate's API, works against a running
/// fleet with the reads `plate-quality --emit` writes.
/// In the fleet suite, so it runs one at a time with the other fleets.
extension FleetIntegrationTests {
    @Test func thePlateRuleIsMeasuredThroughARunningGatesAPI() async throws {
        let fleet = try await Fleet(nodes: [("gate-north-1", "gate")])
        defer { fleet.stopAll() }
        try await fleet.startAll()
        let reads = fleet.directory.appendingPathComponent("plate-reads").path
        let plates = Fleet.repository.appendingPathComponent("../shared/data/plates/ccpd-plates.txt").standardized.path
        let emitted = try ChildProcess(
            executable: Fleet.executable("plate-quality"),
            arguments: [
                "--plates", plates, "--trials", "4", "--book-trials", "2", "--reservations", "5,20", "--emit", reads,
            ],
            outputFile: fleet.directory.appendingPathComponent("emit.txt").path)
        #expect(await emitted.exited() == 0)
        let output = fleet.directory.appendingPathComponent("plate-quality.txt").path
        let script = Fleet.repository.appendingPathComponent("deploy/scripts/plate-quality-api.py").path
        let measured = try ChildProcess(
            executable: "/usr/bin/env", arguments: ["python3", script, fleet.directory.path, reads], outputFile: output)
        let status = await measured.exited()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(text)")
        // Two books per size, the first cancelled before the second is read against.
        #expect(text.contains("20 active reservations through gate-north-1's API (2 books"), "\(text)")
        // Every form of evidence was posted and answered, and no read matched a wrong reservation.
        for evidence in ["overall confidence only", "per-character confidences", "candidates with likelihoods", "both"]
        {
            #expect(text.contains("| \(evidence) |"), "\(evidence): \(text)")
        }
        let wrong = text.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| evidence") }
            .compactMap { $0.split(separator: "|").last?.trimmingCharacters(in: .whitespaces) }
        #expect(!wrong.isEmpty && wrong.allSatisfy { $0 == "0" }, "\(text)")
    }
}

import Foundation
import Simulation
import Testing

/// A few seeds in the debug build; `make test` runs hundreds more through
/// the release-built `mall-sim`.
@Suite struct SimulationTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func aFaultyDayConvergesWithEveryInvariantHeld(seed: UInt64) {
        let report = World(configuration: .init(seed: seed, mode: .safety, dayMillis: 8 * 60_000)).run()
        #expect(report.failures.isEmpty, "seed \(seed): \(report.failures)")
        #expect(report.crashes > 0 && report.partitions > 0)
    }

    /// The same engines, stores, faults and checks on a schema that is not
    /// the mall's: other tables, roles and channels, given as a value.
    @Test(arguments: [1, 2] as [UInt64])
    func aLibrarysFaultyDayConvergesToo(seed: UInt64) {
        let report = World(configuration: .init(seed: seed, workload: .library, mode: .safety, dayMillis: 8 * 60_000))
            .run()
        #expect(report.failures.isEmpty, "seed \(seed): \(report.failures)")
        #expect(report.changes > 0 && report.crashes > 0 && report.deletes > 0)
    }

    @Test func aNodeCutOffForHoursCatchesUp() {
        let report = World(configuration: .init(seed: 4, mode: .liveness, isolationMillis: 2 * 3_600_000)).run()
        #expect(report.failures.isEmpty, "seed 4: \(report.failures)")
    }

    @Test func aSeedReplaysExactly() {
        let configuration = SimulationConfiguration(seed: 11, mode: .safety, dayMillis: 5 * 60_000)
        let first = World(configuration: configuration).run()
        let second = World(configuration: configuration).run()
        #expect(first.traceHash == second.traceHash)
        #expect(first.changes == second.changes)
    }

    @Test func everyMessageSurvivesTheJSONCodec() throws {
        let world = World(configuration: .init(seed: 5, mode: .safety, dayMillis: 3 * 60_000, roundTripCodec: true))
        let report = world.run()
        #expect(report.failures.isEmpty, "seed 5: \(report.failures)")

        // and what went over the wire is what the published JSON schemas describe
        // (an implementation written from the spec validates real traffic with them).
        let kinds = ["ack", "batch", "birth", "changes", "heartbeat", "hub-status", "snapshot", "snapshot-request"]
        #expect(Set(kinds).isSubset(of: world.wireSamples.keys), "\(world.wireSamples.keys.sorted())")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wire-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let lines = world.wireSamples.sorted { $0.key < $1.key }.flatMap { type, payloads in
            payloads.map { "{\"type\": \"\(type)\", \"payload\": \($0)}" }
        }
        try lines.joined(separator: "\n").write(
            to: directory.appendingPathComponent("seed-5.jsonl"), atomically: true, encoding: .utf8)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../deploy/scripts/check-protocol-schemas.py").standardized.path
        let checker = Process()
        checker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        checker.arguments = ["python3", script, directory.path]
        let output = Pipe()
        checker.standardOutput = output
        try checker.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        checker.waitUntilExit()
        #expect(checker.terminationStatus == 0, "\(text.suffix(3000))")
        let checked = text.components(separatedBy: " messages checked").first?.split(separator: "\n").last
        #expect(checked.flatMap { Int($0) } ?? 0 > lines.count, "\(text.suffix(500))")
    }

    @Test(arguments: [6, 7] as [UInt64])
    func aStolenGateHarmsNothingButItself(seed: UInt64) {
        // Given the first gate also sends forged, extreme and out-of-rights changes all day,
        let report = World(configuration: .init(seed: seed, mode: .safety, dayMillis: 8 * 60_000, hostile: true)).run()
        // then every check still holds and the hub took none of them.
        #expect(report.failures.isEmpty, "seed \(seed): \(report.failures)")
        #expect(report.hostileSent > 0 && report.hostileRefused > 0)
    }
}

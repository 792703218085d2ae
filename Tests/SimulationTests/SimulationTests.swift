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

    @Test func everyMessageSurvivesTheJSONCodec() {
        let report = World(configuration: .init(seed: 5, mode: .safety, dayMillis: 3 * 60_000, roundTripCodec: true))
            .run()
        #expect(report.failures.isEmpty, "seed 5: \(report.failures)")
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

import BenchmarkSupport
import Foundation
import MallDomain
import Services

extension GateBenchmark {
    /// `--lanes` lanes deciding at once, each sending its next read as soon
    /// as the last is answered (durably): decisions per second across lanes
    /// and each one's latency, beside raw one-row FULL commits per second.
    /// Lanes deciding together share a sync of the WAL (group commit).
    func decideAcrossLanes(_ node: NodeCoordinator, reserved: [String], base: String) async throws {
        guard lanes > 1 else { return }
        var plates = SyntheticPlates(seed: seed &+ 3)
        let reads = makeReads(reserved, &plates)
        let before = node.groupCommit.figures
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: Samples.self) { group in
            for lane in 0..<lanes {
                let mine = stride(from: lane, to: reads.count, by: lanes).map { reads[$0] }
                group.addTask {
                    var samples = Samples()
                    for read in mine {
                        let asked = ContinuousClock.now
                        _ = try await node.decideGate(read)
                        samples.add(ContinuousClock.now - asked)
                    }
                    return samples
                }
            }
            var all = Samples()
            for try await samples in group { all.add(contentsOf: samples) }
            return all
        }
        let elapsed = ContinuousClock.now - started
        let after = node.groupCommit.figures
        let rawStarted = ContinuousClock.now
        let raw = try Self.rawSQLiteCommits(path: "\(base)/baseline-lanes.sqlite", count: reads.count)
        let rawElapsed = ContinuousClock.now - rawStarted
        let syncs = after.syncs - before.syncs
        report()
        report("\(lanes) lanes deciding at once, \(reads.count) reads:")
        report(Samples.header)
        report(latencies.row("decide + durable commit, each lane's wait"))
        report(raw.row("  baseline: raw SQLite, one-row insert, synchronous=FULL"))
        report(
            "  \(Self.perSecond(reads.count, in: elapsed)) decisions/s across lanes, "
                + "\(syncs) syncs of the WAL (\(String(format: "%.1f", Double(reads.count) / Double(max(syncs, 1)))) "
                + "decisions per sync); baseline: \(Self.perSecond(reads.count, in: rawElapsed)) raw FULL commits/s")
    }

    static func perSecond(_ count: Int, in duration: Duration) -> String {
        String(format: "%.0f", Double(count) / max(duration.asSeconds, 1e-9))
    }
}

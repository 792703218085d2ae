/// Runs many seeds, on every core, and sums them up.
public enum SimulationRunner {
    public struct Summary: Sendable, Codable {
        public var mode: String
        public var seedsRun = 0
        public var failures = 0
        public var failedSeeds: [UInt64] = []
        public var changes = 0
        public var conflicts = 0
        public var crashes = 0
        public var rollbacks = 0
        public var epochReuses = 0
        public var rateLimited = 0
        public var notApplied = 0
        public var hostileSent = 0
        public var hostileRefused = 0
        public var partitions = 0
        public var brokerCrashes = 0
        public var hubRestores = 0
        public var brokerDropped = 0
        public var messagesLost = 0
        public var snapshotsInstalled = 0
        public var snapshotsInterrupted = 0
        public var snapshotsResumed = 0
        public var tombstonesCollected = 0
        public var offlineDeletesBelowFloor = 0
        public var determinismChecked = 0
        public var maxConvergeMillis: UInt64 = 0
        public var simulatedHours = 0.0

        public init(mode: String) {
            self.mode = mode
        }

        mutating func add(_ report: SimulationReport) {
            seedsRun += 1
            if !report.passed {
                failures += 1
                failedSeeds.append(report.seed)
            }
            changes += report.changes
            conflicts += report.conflicts
            crashes += report.crashes
            rollbacks += report.rollbacks
            epochReuses += report.epochReuses
            rateLimited += report.rateLimited
            notApplied += report.notApplied
            hostileSent += report.hostileSent
            hostileRefused += report.hostileRefused
            partitions += report.partitions
            brokerCrashes += report.brokerCrashes
            hubRestores += report.hubRestores
            brokerDropped += report.brokerDropped
            messagesLost += report.messagesLost
            snapshotsInstalled += report.snapshotsInstalled
            snapshotsInterrupted += report.snapshotsInterrupted
            snapshotsResumed += report.snapshotsResumed
            tombstonesCollected += report.tombstonesCollected
            offlineDeletesBelowFloor += report.offlineDeletesBelowFloor
            maxConvergeMillis = max(maxConvergeMillis, report.convergeMillis)
            simulatedHours += Double(report.simulatedMillis) / 3_600_000
        }
    }

    /// Runs `seeds` in `configuration`'s mode. Every `determinismEvery`-th seed
    /// runs twice and must give the same trace. `onFailure` sees each failing report.
    public static func run(
        seeds: ClosedRange<UInt64>, template: SimulationConfiguration, jobs: Int, determinismEvery: UInt64,
        onFailure: @Sendable (SimulationReport) -> Void
    ) async -> Summary {
        var summary = Summary(mode: template.mode.rawValue)
        await withTaskGroup(of: (SimulationReport, Bool).self) { group in
            var iterator = seeds.makeIterator()
            func submit() -> Bool {
                guard let seed = iterator.next() else { return false }
                var configuration = template
                configuration.seed = seed
                let twice = determinismEvery > 0 && seed % determinismEvery == 0
                group.addTask {
                    var report = World(configuration: configuration).run()
                    if twice {
                        let again = World(configuration: configuration).run()
                        if again.traceHash != report.traceHash || again.failures != report.failures {
                            report.failures.append(
                                "not deterministic: trace \(report.traceHash) then \(again.traceHash)")
                        }
                    }
                    return (report, twice)
                }
                return true
            }
            for _ in 0..<max(1, jobs) where submit() {}
            while let (report, twice) = await group.next() {
                summary.add(report)
                if twice { summary.determinismChecked += 1 }
                if !report.passed { onFailure(report) }
                _ = submit()
            }
        }
        summary.failedSeeds.sort()
        return summary
    }
}

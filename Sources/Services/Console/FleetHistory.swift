public import Logging
public import Storage

/// The console's charts: every node's sync state sampled at a fixed
/// interval, counted from the changes the hub accepts, saved in the hub's
/// database so a restarted hub still shows the last hours. Its own actor, fed
/// by the hub's accepted changes and sampled on the sync loop's timer.
public actor FleetHistory: AcceptedChangesObserver {
    let table: HistoryTable
    let clock: any FleetClock
    let intervalMillis: UInt64
    /// How far back the charts reach.
    let spanMillis: UInt64
    let logger: Logger
    var rings: NodeHistory
    var nextSample: UInt64 = 0

    /// Restores the samples of the last `spanMillis` from `table`.
    public init(
        table: HistoryTable, clock: any FleetClock, intervalMillis: UInt64, spanMillis: UInt64, logger: Logger
    ) throws {
        self.table = table
        self.clock = clock
        self.intervalMillis = max(intervalMillis, 1)
        self.spanMillis = spanMillis
        self.logger = logger
        let now = clock.now()
        rings = NodeHistory(
            capacity: Int(spanMillis / max(intervalMillis, 1)),
            saved: try table.samples(since: now > spanMillis ? now - spanMillis : 0))
    }

    public func accepted(_ changes: AcceptedChanges) {
        rings.accepted(changes.count, from: changes.origin)
    }

    /// Records every node's state as a sample, when the interval has passed
    /// since the last one.
    public func sampleIfDue(from hub: HubCoordinator) async {
        let now = clock.now()
        guard now >= nextSample else { return }
        nextSample = now + intervalMillis
        let round = rings.record(await hub.fleet(), at: now)
        do {
            try table.append(round, droppingBefore: now > spanMillis ? now - spanMillis : 0)
        } catch {
            logger.error(
                "console history not saved; the charts keep it until a restart", metadata: ["sync.error": "\(error)"])
        }
    }

    /// The node's samples over the last hours, oldest first.
    public func samples(of node: String) -> [HistorySample] {
        rings.samples(of: node)
    }
}

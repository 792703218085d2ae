/// Where everything above the sync core reads the time of day and waits: the
/// coordinators, the sync loops, the console's live stream. Injected, so a
/// test sets the time by hand (`ManualClock`) instead of sleeping on the
/// machine's clock, and a drill runs a node minutes off the others.
public protocol FleetClock: Sendable {
    /// Milliseconds since 1970.
    func now() -> UInt64
    /// Waits `duration` of this clock's time; throws if the task is cancelled.
    func sleep(for duration: Duration) async throws
}

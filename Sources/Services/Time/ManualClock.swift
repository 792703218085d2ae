import Synchronization

/// A clock that moves only when told: `advance(by:)` sets the time forward
/// and wakes every sleeper whose deadline it passed, in deadline order. Tests
/// of expiry, history and timers use it, so they neither sleep nor depend
/// on how loaded the machine is.
public final class ManualClock: FleetClock {
    private struct Sleeper {
        var deadline: UInt64
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: UInt64
        var nextID: UInt64 = 0
        var sleepers: [Sleeper] = []
    }

    private let state: Mutex<State>

    public init(now: UInt64) {
        state = Mutex(State(now: now))
    }

    public func now() -> UInt64 {
        state.withLock { $0.now }
    }

    /// How many tasks wait on this clock, so a test can let them reach
    /// their sleep before it advances.
    public var sleepers: Int {
        state.withLock { $0.sleepers.count }
    }

    public func advance(by duration: Duration) {
        let millis = Self.millis(duration)
        let woken = state.withLock { state in
            state.now = Self.adding(millis, to: state.now)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted {
                ($0.deadline, $0.id) < ($1.deadline, $1.id)
            }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    public func sleep(for duration: Duration) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    let millis = Self.millis(duration)
                    guard millis > 0, !Task.isCancelled else { return true }
                    state.sleepers.append(
                        .init(deadline: Self.adding(millis, to: state.now), id: id, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { state in
                let found = state.sleepers.first { $0.id == id }
                state.sleepers.removeAll { $0.id == id }
                return found
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// Whole milliseconds of a duration, 0 for a negative one, saturating.
    private static func millis(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let whole = UInt64(seconds).multipliedReportingOverflow(by: 1000)
        guard !whole.overflow else { return .max }
        let total = whole.partialValue.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000_000_000))
        return total.overflow ? .max : total.partialValue
    }

    /// `now + millis`, stopping at the end of time instead of trapping.
    private static func adding(_ millis: UInt64, to now: UInt64) -> UInt64 {
        let sum = now.addingReportingOverflow(millis)
        return sum.overflow ? .max : sum.partialValue
    }
}

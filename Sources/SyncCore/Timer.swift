/// Interval checks on a wall clock that may jump.
///
/// Engines get wall-clock time (it feeds the hybrid clock); a clock set back
/// by an hour must not silence a retry for an hour, so a time earlier than
/// the start of an interval counts as the interval having passed.
enum Timer {
    static func isDue(since start: UInt64?, every interval: UInt64, now: UInt64) -> Bool {
        guard let start else { return true }
        return now < start || now - start >= interval
    }
}

import SyncCore
import Testing

/// The hub's bounds on the timestamps of a node's new changes.
@Suite struct StampBoundsTests {
    let limits = StampBounds.Limits(maxStampAheadMillis: 3_600_000, maxEpochBackdateMillis: 3_600_000)
    let now: UInt64 = 1_800_000_000_000

    func bounds(previousInEpoch: HybridTimestamp = .zero, previous: HybridTimestamp = .zero) -> StampBounds {
        StampBounds(previousInEpoch: previousInEpoch, previousOfOrigin: previous, now: now, limits: limits)
    }

    @Test func aStampFarAheadIsRefusedAndOneWithinTheBoundIsTaken() {
        #expect(bounds().problem(with: HybridTimestamp(wallMillis: 1 << 52)) != nil)
        #expect(bounds().problem(with: HybridTimestamp(wallMillis: now + 3_600_000, counter: 9)) == nil)
        #expect(bounds().problem(with: HybridTimestamp(wallMillis: now + 3_600_001)) != nil)
    }

    @Test func aClockSetBackGoesOnAtTheWallTimeAlreadyTaken() {
        // The origin's last change was taken an hour ahead (its clock ran fast);
        // its hybrid clock keeps that wall time and counts up.
        let ahead = HybridTimestamp(wallMillis: now + 3_600_000, counter: 3)
        let later = StampBounds(previousInEpoch: ahead, previousOfOrigin: ahead, now: now - 60_000, limits: limits)
        #expect(later.problem(with: HybridTimestamp(wallMillis: now + 3_600_000, counter: 4)) == nil)
        #expect(later.problem(with: HybridTimestamp(wallMillis: now + 3_600_001)) != nil)
    }

    @Test func aChangeBackDatedBelowItsEpochOrFarBelowItsOriginIsRefused() {
        let last = HybridTimestamp(wallMillis: now - 60_000, counter: 2)
        #expect(bounds(previousInEpoch: last, previous: last).problem(with: HybridTimestamp(wallMillis: 1)) != nil)
        #expect(
            bounds(previousInEpoch: last, previous: last).problem(
                with: HybridTimestamp(wallMillis: now - 60_000, counter: 1)) != nil)
        // In a new epoch, within the room an honest disk that lost commits needs:
        #expect(bounds(previous: last).problem(with: HybridTimestamp(wallMillis: now - 3_000_000)) == nil)
        #expect(bounds(previous: last).problem(with: HybridTimestamp(wallMillis: now - 3_660_001)) != nil)
    }
}

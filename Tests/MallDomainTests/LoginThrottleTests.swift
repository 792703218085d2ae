import MallDomain
import Testing

@Suite struct LoginThrottleTests {
    let minute: UInt64 = 60_000

    @Test func aBurstOfGuessesGetsOnlyTheAllowedNumberOfHashes() {
        // Given 200 guesses for one id that all start before any finishes,
        var throttle = LoginThrottle()
        let admissions = (0..<200).map { _ in throttle.begin(account: "s-1", address: "10.0.0.9", now: 0) }
        // only five may go on to hash a PIN; the rest are refused at once.
        #expect(admissions.filter { $0 == .proceed }.count == 5)
        #expect(admissions.dropFirst(5).allSatisfy { if case .locked = $0 { true } else { false } })
    }

    @Test func fiveWrongPINsLockTheIdForFiveMinutesAndTheLockIsReportedOnce() {
        var throttle = LoginThrottle()
        var lockouts: [LoginThrottle.Lockout] = []
        for attempt in 0..<5 {
            #expect(throttle.begin(account: "s-1", address: "a", now: UInt64(attempt)) == .proceed)
            lockouts += throttle.finish(account: "s-1", address: "a", succeeded: false, now: UInt64(attempt))
        }
        #expect(lockouts == [.init(subject: "s-1", address: false, until: 4 + 5 * minute, failures: 5)])
        // The right PIN does not help while the lock lasts,
        #expect(
            throttle.begin(account: "s-1", address: "b", now: 5 * minute)
                == .locked(until: 4 + 5 * minute, retryAfterMillis: 4, address: false))
        // and after it the id may try again.
        #expect(throttle.begin(account: "s-1", address: "b", now: 5 * minute + 5) == .proceed)
    }

    @Test func oneAddressSprayingAPINOverManyIdsIsLockedOut() {
        var throttle = LoginThrottle()
        var lockouts: [LoginThrottle.Lockout] = []
        for id in 0..<20 {
            #expect(throttle.begin(account: "s-\(id)", address: "10.0.0.9", now: 0) == .proceed)
            lockouts += throttle.finish(account: "s-\(id)", address: "10.0.0.9", succeeded: false, now: 0)
        }
        #expect(lockouts.map(\.address) == [true])
        #expect(
            throttle.begin(account: "s-99", address: "10.0.0.9", now: 1)
                == .locked(until: 5 * minute, retryAfterMillis: 5 * minute - 1, address: true))
        // Another desk is not affected.
        #expect(throttle.begin(account: "s-99", address: "10.0.0.10", now: 1) == .proceed)
    }

    @Test func typosSpreadOverTheDayNeverLockAndASuccessClearsTheCount() {
        var throttle = LoginThrottle()
        for hour in 0..<24 {
            let now = UInt64(hour) * 60 * minute
            #expect(throttle.begin(account: "s-1", address: "a", now: now) == .proceed)
            #expect(throttle.finish(account: "s-1", address: "a", succeeded: false, now: now).isEmpty)
        }
        for attempt in 0..<4 {
            _ = throttle.begin(account: "s-2", address: "b", now: UInt64(attempt))
            _ = throttle.finish(account: "s-2", address: "b", succeeded: false, now: UInt64(attempt))
        }
        _ = throttle.begin(account: "s-2", address: "b", now: 10)
        _ = throttle.finish(account: "s-2", address: "b", succeeded: true, now: 10)
        _ = throttle.begin(account: "s-2", address: "b", now: 11)
        #expect(throttle.finish(account: "s-2", address: "b", succeeded: false, now: 11).isEmpty)
    }

    @Test func failuresOlderThanALockoutNoLongerHoldBackAttempts() {
        // Given four quick wrong PINs yesterday,
        var throttle = LoginThrottle()
        for attempt in 0..<4 {
            _ = throttle.begin(account: "s-1", address: "a", now: UInt64(attempt))
            _ = throttle.finish(account: "s-1", address: "a", succeeded: false, now: UInt64(attempt))
        }
        // two logins started together today both go on to check their PIN.
        let day: UInt64 = 86_400_000
        #expect(throttle.begin(account: "s-1", address: "a", now: day) == .proceed)
        #expect(throttle.begin(account: "s-1", address: "b", now: day) == .proceed)
    }

    @Test func anAttemptThatCouldNotBeCheckedCountsNeitherWay() {
        var throttle = LoginThrottle()
        for _ in 0..<10 {
            #expect(throttle.begin(account: "s-1", address: "a", now: 0) == .proceed)
            throttle.abandon(account: "s-1", address: "a")
        }
    }

    @Test func aFleetLockRefusesTheAccountButNotOthers() {
        var throttle = LoginThrottle()
        #expect(
            throttle.begin(account: "s-1", address: "a", now: 1_000, fleetLockEnd: 61_000)
                == .locked(until: 61_000, retryAfterMillis: 60_000, address: false))
        #expect(throttle.begin(account: "s-1", address: "a", now: 61_000, fleetLockEnd: 61_000) == .proceed)
        #expect(throttle.begin(account: "s-2", address: "a", now: 1_000, fleetLockEnd: nil) == .proceed)
    }
}

import MallDomain
import Testing

@Suite struct FleetLocksTests {
    static let minute: UInt64 = 60_000

    @Test func aLockHoldsForOneLockoutFromItsStampAtMost() {
        let locks = FleetLocks([
            .init(staffID: "s1", node: "c1", until: 5 * Self.minute, stampedAt: 0),
            .init(staffID: "s2", node: "c1", until: .max, stampedAt: Self.minute),
            .init(staffID: "s3", node: "c1", until: .max, stampedAt: .max),
        ])
        #expect(locks.end(for: "s1", now: Self.minute) == 5 * Self.minute)
        #expect(locks.end(for: "s1", now: 5 * Self.minute) == nil)
        // "Until the end of time" ends a lockout after its stamp.
        #expect(locks.end(for: "s2", now: 2 * Self.minute) == 6 * Self.minute)
        #expect(locks.end(for: "s2", now: 6 * Self.minute) == nil)
        #expect(locks.end(for: "s3", now: 0) == .max)
        #expect(locks.end(for: "nobody", now: 0) == nil)
    }

    /// A stolen counter forging a lock on every member of staff, all at once:
    /// only the first few are honoured, and an honest node's lock still is.
    @Test func oneNodesLocksAreHonouredOnlyUpToItsHourlyAllowance() {
        let forged = (0..<500).map {
            FleetLocks.Lock(staffID: "s\($0)", node: "stolen", until: .max, stampedAt: 1_000 + UInt64($0))
        }
        let honest = FleetLocks.Lock(staffID: "s499", node: "desk-1", until: .max, stampedAt: 2_000)
        let locks = FleetLocks(forged + [honest])
        let locked = (0..<500).filter { locks.end(for: "s\($0)", now: 3_000) != nil }
        #expect(locked.count == FleetLocks.perNodePerHour + 1)
        #expect(Array(locked.prefix(FleetLocks.perNodePerHour)) == Array(0..<FleetLocks.perNodePerHour))
        #expect(locks.end(for: "s499", now: 3_000) != nil)
        // An hour on, the node's next locks count again.
        let later = FleetLocks(
            forged + [.init(staffID: "late", node: "stolen", until: .max, stampedAt: 1_000 + 3_600_000 + 600)])
        #expect(later.end(for: "late", now: 3_601_700) != nil)
    }
}

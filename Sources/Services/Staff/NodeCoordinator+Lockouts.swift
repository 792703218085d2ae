public import MallDomain
import SyncCore

/// Fleet-wide lockouts: when a staff id locks at one node, the node writes a
/// `staff_lockouts` row, which the hub passes to every node of the mall on
/// the staff channel; each node refuses that id until the lock ends. Without
/// it, a locked id could keep guessing at the next desk.
extension NodeCoordinator {
    /// Starts a login attempt: counted before the PIN is hashed, so a burst
    /// of guesses cannot outrun the lockout, and refused while another node's
    /// lock on the id holds.
    public func beginLogin(staffID: String, address: String) throws -> LoginThrottle.Admission {
        let now = clock.now()
        return loginThrottle.begin(
            account: staffID, address: address, now: now, fleetLockEnd: try fleetLockEnd(staffID: staffID, now: now))
    }

    /// The latest end of the replicated locks on `staffID` still holding at
    /// `now`, or nil. The locks are read from the replica again only after
    /// a lock row changed (`DecisionViews.lockoutsVersion`): a burst of
    /// refused logins costs no replica read each.
    func fleetLockEnd(staffID: String, now: UInt64) throws -> UInt64? {
        if fleetLocks?.version != views.lockoutsVersion {
            var locks: [FleetLocks.Lock] = []
            let rows = try engine.store.replica.rows(in: Channel(mall: configuration.mall, kind: .staff))
            for row in rows where row.table == Self.lockoutTable && row.state.isVisible {
                guard let staff = row.state.cells["staff_id"]?.value.textValue,
                    let node = row.state.cells["node"]?.value.textValue,
                    let until = row.state.cells["until"]?.value.intValue, until >= 0,
                    let stamped = row.state.cells["until"]?.stamp.hlc.wallMillis
                else { continue }
                locks.append(.init(staffID: staff, node: node, until: UInt64(until), stampedAt: stamped))
            }
            fleetLocks = (
                views.lockoutsVersion, FleetLocks(locks, lockoutMillis: loginThrottle.configuration.lockoutMillis)
            )
        }
        return fleetLocks?.locks.end(for: staffID, now: now)
    }

    /// The rows recording a lock this node set on a staff member it knows:
    /// the lock for the fleet and the audit entry. A lock on an unknown id
    /// stays local: it protects nothing elsewhere, and replicating it would
    /// let anyone at a desk fill the fleet's replicas with made-up ids.
    func lockoutWrites(_ lockout: LoginThrottle.Lockout, staffID: String, now: UInt64) throws -> [LocalWrite] {
        let id = engine.nextChangeID
        let subject = lockout.address ? "client \(lockout.subject)" : staffID
        let audit = audit(
            actor: lockout.address ? "client:\(lockout.subject)" : "staff:\(staffID)", action: "staff.login",
            target: subject, outcome: "locked until \(lockout.until) ms after \(lockout.failures) wrong PINs",
            at: now, id: id)
        guard !lockout.address, try staffMember(staffID) != nil else { return [audit] }
        let lock = LocalWrite.insert(
            Self.lockoutTable, "lk-\(id.origin)-\(id.epoch)-\(id.seq)",
            [
                "staff_id": .text(staffID), "node": .text(configuration.node),
                "until": .int(Int64(clamping: lockout.until)), "failures": .int(Int64(clamping: lockout.failures)),
                "at": .int(Int64(clamping: now)),
            ])
        return [audit, lock]
    }

    static let lockoutTable = "staff_lockouts"
}

/// An action someone may be allowed to take at a node or the hub.
public enum Permission: String, Hashable, Sendable, CaseIterable, Codable {
    /// Ask the gate for a decision on a camera read (the gate controller).
    case gateRead = "gate.read"
    /// Lift the barrier by hand for a referred car.
    case gateOverride = "gate.override"
    case loungeCheckIn = "lounge.check-in"
    case loungeCheckOut = "lounge.check-out"
    case giftRedeem = "gift.redeem"
    /// Read this node's audit log.
    case auditRead = "audit.read"
}

/// What a staff member is; each role grants a fixed set of permissions.
/// A member may hold several roles and gets the union.
public enum StaffRole: String, Hashable, Sendable, CaseIterable, Codable {
    case manager
    case gateOperator = "gate-operator"
    case loungeStaff = "lounge-staff"
    case giftStaff = "gift-staff"
    case giftManager = "gift-manager"

    public var permissions: Set<Permission> {
        switch self {
        case .manager: [.gateOverride, .loungeCheckIn, .loungeCheckOut, .giftRedeem, .auditRead]
        case .gateOperator: [.gateOverride]
        case .loungeStaff: [.loungeCheckIn, .loungeCheckOut]
        case .giftStaff: [.giftRedeem]
        // Revoking a code is the hub's action (`mall-hub gift revoke`, the admin API).
        case .giftManager: [.giftRedeem, .auditRead]
        }
    }
}

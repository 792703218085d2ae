/// What a node is for. The role fixes which channels it replicates and which
/// tables it may write; the hub enforces both on every change it receives.
public enum Role: String, Hashable, Sendable, Codable, CaseIterable {
    case gate, lounge, gift, hub

    /// The channel kinds a node of this role replicates.
    public var subscriptions: [Channel.Kind] {
        switch self {
        case .gate: [.parking, .staff]
        case .lounge: [.members, .lounge, .staff]
        case .gift: [.gifts, .members, .staff]
        case .hub: Channel.Kind.allCases
        }
    }

    /// The tables a node of this role may write.
    public var writableTables: Set<String> {
        switch self {
        case .gate: ["gate_passages", "reservations", "audit_log"]
        case .lounge: ["lounge_visits", "audit_log"]
        case .gift: ["gift_redemptions", "gift_revocations", "audit_log"]
        case .hub: Set(Schema.mall.tables.keys)
        }
    }
}

/// What a node is for. The role fixes which channels it replicates and, with
/// `Rights`, what it may write; the hub enforces both on every change it receives.
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
}

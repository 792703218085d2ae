/// What a node is for, named by the fleet's schema (`SyncSchema.subscriptions`
/// and `SyncSchema.rights`): its role fixes which channels it replicates and
/// what it may write, and the hub enforces both on every change it receives.
/// The core knows only the hub; a message naming a role this build's schema
/// lacks decodes, and is refused as not in the schema (SPEC §16.1).
public struct Role: SchemaName {
    public let rawValue: String

    public init?(rawValue: String) {
        guard Identifier.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// The hub: it replicates every channel and writes without a role's limits.
    public static let hub = Role("hub")
}

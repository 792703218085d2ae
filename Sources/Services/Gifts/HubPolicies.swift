public import EdgeRules

/// What the hub's admin actions may do, from its configuration file.
///
/// - `adminTokens`: bearer tokens of operators' tools allowed on `/v1/admin`;
///   empty means the admin API is closed.
/// - `giftKeyDirectory`: where the gift signing keys live; nil disables issuing.
/// - `maxCodeLifetimeMillis`: the longest a gift code may be valid (default 30 days).
/// - `keyLifetimeMillis`: how long a new key is published as valid (default 2 years).
/// - `clockLeewayMillis`: the counters' clock leeway, added when retiring a key (default 2 min).
/// - `scalpers`: site coordinates and the limits of the scalper flags.
public struct HubPolicies: Sendable {
    public var adminTokens: Set<String>
    public var giftKeyDirectory: String?
    public var maxCodeLifetimeMillis: Int64
    public var keyLifetimeMillis: Int64
    public var clockLeewayMillis: Int64
    public var scalpers: ScalperWatch.Configuration

    public init(
        adminTokens: Set<String> = [], giftKeyDirectory: String? = nil, maxCodeLifetimeMillis: Int64 = 30 * 86_400_000,
        keyLifetimeMillis: Int64 = 730 * 86_400_000, clockLeewayMillis: Int64 = 120_000,
        scalpers: ScalperWatch.Configuration = .init()
    ) {
        self.scalpers = scalpers
        self.adminTokens = adminTokens
        self.giftKeyDirectory = giftKeyDirectory
        self.maxCodeLifetimeMillis = maxCodeLifetimeMillis
        self.keyLifetimeMillis = keyLifetimeMillis
        self.clockLeewayMillis = clockLeewayMillis
    }
}

public import MallDomain

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
    /// Who may log in at the console.
    public var operators: [Operator]
    /// The console's charts: a sample per node this often (default 30 s), kept this long (default 6 h).
    public var historyIntervalMillis: UInt64
    public var historyMillis: UInt64
    /// Where the console's Chart.js comes from (Debian's libjs-chart.js).
    public var chartJSPath: String

    public init(
        adminTokens: Set<String> = [], giftKeyDirectory: String? = nil, maxCodeLifetimeMillis: Int64 = 30 * 86_400_000,
        keyLifetimeMillis: Int64 = 730 * 86_400_000, clockLeewayMillis: Int64 = 120_000,
        scalpers: ScalperWatch.Configuration = .init(), operators: [Operator] = [],
        historyIntervalMillis: UInt64 = 30_000, historyMillis: UInt64 = 6 * 3_600_000,
        chartJSPath: String = "/usr/share/javascript/chart.js/chart.min.js"
    ) {
        self.chartJSPath = chartJSPath
        self.scalpers = scalpers
        self.operators = operators
        self.historyIntervalMillis = historyIntervalMillis
        self.historyMillis = historyMillis
        self.adminTokens = adminTokens
        self.giftKeyDirectory = giftKeyDirectory
        self.maxCodeLifetimeMillis = maxCodeLifetimeMillis
        self.keyLifetimeMillis = keyLifetimeMillis
        self.clockLeewayMillis = clockLeewayMillis
    }
}

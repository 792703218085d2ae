import Foundation
public import MallDomain
public import SyncCore

/// The hub's configuration file (`firmware-config/hub.toml`). Every key is
/// documented in `firmware-config/README.md`.
///
/// | key | type | default | meaning |
/// |---|---|---|---|
/// | `hub.id` | identifier | `"hub"` | the hub's origin id for its own changes |
/// | `hub.data_dir` | path | required | the hub store lives here |
/// | `http.listen` | host:port | `"127.0.0.1:8090"` | console, metrics and admin API |
/// | `http.admin_token_file` | path | none (admin API closed) | file holding the admin API's bearer token |
/// | `gifts.max_code_lifetime_days` | integer | `30` | the longest a gift code may be valid |
/// | `[[sites]]` `mall`, `latitude`, `longitude` | | none | where each mall is, for the scalper flags |
/// | `scalpers.max_speed_kmh` | number | `200` | uses further apart than this speed allows are flagged |
/// | `scalpers.max_sites` | integer | `3` | more distinct sites than this within the window are flagged |
/// | `scalpers.window_minutes` | integer | `60` | the window for `max_sites` |
/// | `[[operators]]` `id`, `name`, `role`, `password_hash` | | none | who may log in at the console (`viewer` or `operator`) |
/// | `console.history_interval_seconds` | integer | `30` | how often the console's charts sample each node |
/// | `console.history_hours` | integer | `6` | how far back the charts go |
/// | `sync.max_skew_ms` | integer | `30000` | a node whose clock is further off is flagged |
/// | `sync.status_interval_ms` | integer | `1000` | how often heads and floors are published |
/// | `sync.gc_horizon_hours` | integer | `24` | a node silent longer must re-snapshot |
/// | `[[nodes]]` `id`, `mall`, `role` | | at least one | the fleet: only these may sync |
/// | `mqtt.*` | | | see `BrokerSettings` |
public struct HubSettings: Sendable {
    public struct Member: Hashable, Sendable {
        public var node: NodeID
        public var mall: String
        public var role: Role
    }

    public var file: String
    public var hub: NodeID
    public var dataDirectory: String
    public var http: ListenAddress
    /// Bearer tokens allowed on `/v1/admin`; empty when no token file is configured.
    public var adminTokens: Set<String>
    public var maxGiftCodeLifetimeMillis: Int64
    public var scalpers: ScalperWatch.Configuration
    public var operators: [Operator]
    public var historyIntervalMillis: UInt64
    public var historyMillis: UInt64
    public var maxSkewMillis: Int64
    public var statusIntervalMillis: UInt64
    public var gcHorizonMillis: UInt64
    public var fleet: [Member]
    public var broker: BrokerSettings

    public var storePath: String { "\(dataDirectory)/hub.sqlite" }
    /// The gift signing keys live beside the store, never in the replicated data.
    public var giftKeyDirectory: String { "\(dataDirectory)/gift-keys" }

    public static func load(path: String, checkingFiles: Bool = true) throws(ConfigError) -> HubSettings {
        var root = try ConfigReader.parse(file: path, text: try ConfigText.read(path))
        var hub = try root.section("hub")
        let id = try hub.string(
            "id", default: "hub", expected: "an identifier (letters, digits, '-', '_', '.')", valid: Identifier.isValid)
        let dataDirectory = try hub.string("data_dir", expected: "a directory path", valid: { !$0.isEmpty })
        try hub.rejectUnknownKeys()

        var http = try root.section("http")
        let listen = try http.string(
            "listen", default: "127.0.0.1:8090", expected: "host:port", valid: { ListenAddress($0) != nil })
        var adminTokens: Set<String> = []
        if let tokenFile = try http.optionalString("admin_token_file"), checkingFiles {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw http.failure("admin_token_file", "cannot read \(tokenFile)")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.utf8.count >= 16, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw http.failure(
                    "admin_token_file", "\(tokenFile) must hold one token of at least 16 printable characters")
            }
            adminTokens.insert(token)
        }
        try http.rejectUnknownKeys()

        var gifts = try root.section("gifts")
        let maxLifetime = Int64(try gifts.int("max_code_lifetime_days", in: 1...366, default: 30)) * 86_400_000
        try gifts.rejectUnknownKeys()

        var sites: [String: ScalperWatch.Site] = [:]
        for var entry in try root.sections("sites") {
            let mall = try entry.string(
                "mall", expected: "an identifier (letters, digits, '-', '_', '.')", valid: Identifier.isValid)
            guard sites[mall] == nil else { throw entry.failure("mall", "\"\(mall)\" is listed twice") }
            sites[mall] = ScalperWatch.Site(
                latitude: try entry.double("latitude", in: -90...90, default: .nan),
                longitude: try entry.double("longitude", in: -180...180, default: .nan))
            guard !sites[mall]!.latitude.isNaN, !sites[mall]!.longitude.isNaN else {
                throw entry.failure("latitude", "missing: a site needs latitude and longitude")
            }
            try entry.rejectUnknownKeys()
        }
        var scalperSection = try root.section("scalpers")
        let scalpers = ScalperWatch.Configuration(
            sites: sites, maxSpeedKmh: try scalperSection.double("max_speed_kmh", in: 1...10_000, default: 200),
            maxSites: try scalperSection.int("max_sites", in: 1...1000, default: 3),
            windowMillis: Int64(try scalperSection.int("window_minutes", in: 1...10_080, default: 60)) * 60_000)
        try scalperSection.rejectUnknownKeys()

        var console = try root.section("console")
        let historyInterval = UInt64(try console.int("history_interval_seconds", in: 1...3600, default: 30)) * 1000
        let history = UInt64(try console.int("history_hours", in: 1...72, default: 6)) * 3_600_000
        try console.rejectUnknownKeys()

        var operators: [Operator] = []
        for var entry in try root.sections("operators") {
            let id = try entry.string(
                "id", expected: "an identifier (letters, digits, '-', '_', '.')", valid: Identifier.isValid)
            guard !operators.contains(where: { $0.id == id }) else {
                throw entry.failure("id", "\"\(id)\" is listed twice")
            }
            let name = try entry.string("name", default: id)
            let role = try entry.string(
                "role", expected: "viewer or operator", valid: { Operator.Role(rawValue: $0) != nil })
            let hash = try entry.string(
                "password_hash", expected: "a hash made by mall-hub hash-password",
                valid: { $0.hasPrefix("pbkdf2-sha256$") })
            try entry.rejectUnknownKeys()
            operators.append(Operator(id: id, name: name, role: Operator.Role(rawValue: role)!, passwordHash: hash))
        }

        var sync = try root.section("sync")
        let maxSkew = Int64(try sync.int("max_skew_ms", in: 100...3_600_000, default: 30_000))
        let statusInterval = UInt64(try sync.int("status_interval_ms", in: 100...60_000, default: 1000))
        let horizon = UInt64(try sync.int("gc_horizon_hours", in: 1...(24 * 365), default: 24)) * 3_600_000
        try sync.rejectUnknownKeys()

        var fleet: [Member] = []
        var seen: Set<NodeID> = []
        for var entry in try root.sections("nodes") {
            let identifier = "an identifier (letters, digits, '-', '_', '.')"
            let node = try entry.string("id", expected: identifier, valid: Identifier.isValid)
            guard seen.insert(node).inserted else { throw entry.failure("id", "\"\(node)\" is listed twice") }
            guard node != id else { throw entry.failure("id", "\"\(node)\" is the hub's own id") }
            let mall = try entry.string("mall", expected: identifier, valid: Identifier.isValid)
            let role = try entry.string(
                "role", expected: SyncSchema.mall.nodeRoles.map(\.rawValue).joined(separator: ", "),
                valid: { Role(rawValue: $0).map(SyncSchema.mall.nodeRoles.contains) == true })
            try entry.rejectUnknownKeys()
            fleet.append(Member(node: node, mall: mall, role: Role(rawValue: role)!))
        }
        guard !fleet.isEmpty else {
            throw ConfigError(file: path, key: "nodes", problem: "missing: list the fleet as [[nodes]] tables")
        }
        let broker = try BrokerSettings.read(&root, defaultClientID: id, checkingFiles: checkingFiles)
        try root.rejectUnknownKeys()
        return HubSettings(
            file: path, hub: id, dataDirectory: dataDirectory, http: ListenAddress(listen)!, adminTokens: adminTokens,
            maxGiftCodeLifetimeMillis: maxLifetime, scalpers: scalpers, operators: operators,
            historyIntervalMillis: historyInterval, historyMillis: history, maxSkewMillis: maxSkew,
            statusIntervalMillis: statusInterval, gcHorizonMillis: horizon, fleet: fleet, broker: broker)
    }
}

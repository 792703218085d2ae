import Foundation
public import MallDomain
public import SyncCore

/// One edge device's configuration file (`firmware-config/*.toml`, role gate,
/// lounge or gift). Every key is documented in `firmware-config/README.md`.
///
/// | key | type | default | meaning |
/// |---|---|---|---|
/// | `node.id` | identifier | required | this device, unique in the fleet |
/// | `node.mall` | identifier | required | the mall it serves |
/// | `node.role` | `gate`, `lounge`, `gift` | required | what it decides, hence what it replicates |
/// | `node.data_dir` | path | required | its SQLite replica lives here |
/// | `node.clock_offset_ms` | integer | `0` | added to the system clock (tests); `MALLEDGE_CLOCK_OFFSET_MS` overrides |
/// | `api.listen` | host:port | `"127.0.0.1:8080"` | the local API for the device software |
/// | `api.device_token_file` | path | required for a gate | file holding the gate controller's bearer token |
/// | `gate.early_grace_minutes` | integer | `30` | a reservation admits this long before its window |
/// | `gate.late_grace_minutes` | integer | `15` | … and this long after it |
/// | `gate.minimum_confidence` | number | `0.5` | below it a read is referred to staff |
/// | `gate.reserved_prior_weight` | number | `100` | how much likelier a reserved plate is at the barrier than any one unreserved plate |
/// | `gate.admit_probability` | number | `0.9` | the chance a read must give a reserved plate to admit it |
/// | `gate.confusion_model_file` | path | the standard table | the cameras' character confusions (JSON, `ConfusionModel.init(json:)`) |
/// | `gifts.clock_leeway_seconds` | integer | `120` | how far this counter's clock may be off for code validity |
/// | `lounge.capacity` | integer | `40` | people the lounge holds, members and guests |
/// | `lounge.max_stay_minutes` | integer | `240` | open visits older than this are closed automatically |
/// | `sync.batch_size` | integer | `250` | changes per message |
/// | `sync.window` | integer | `2000` | changes sent and not yet acknowledged |
/// | `sync.ack_timeout_ms` | integer | `5000` | resend from the oldest unacknowledged change after this |
/// | `sync.heartbeat_ms` | integer | `1000` | heartbeat period |
/// | `sync.catch_up_delay_ms` | integer | `1000` | how long a gap may stay open before asking |
/// | `sync.request_timeout_ms` | integer | `4000` | how long to wait for a resend or snapshot |
/// | `sync.keep_acknowledged_days` | integer | `7` | how long changes the hub acknowledged are kept, for a hub restored from a backup that old |
/// | `mqtt.*` | | | see `BrokerSettings` |
public struct NodeSettings: Sendable {
    public var file: String
    public var node: NodeID
    public var mall: String
    public var role: Role
    public var dataDirectory: String
    public var clockOffsetMillis: Int64
    public var api: ListenAddress
    /// Bearer tokens of the device software allowed to ask for decisions.
    public var deviceTokens: Set<String>
    public var gate: GateDecider.Configuration
    public var gifts: GiftVerifier.Configuration
    public var lounge: LoungeDesk.Configuration
    public var upstream: UpstreamFlow.Configuration
    public var downstream: ChannelSync.Configuration
    public var heartbeatIntervalMillis: UInt64
    public var keepAcknowledgedMillis: UInt64
    public var broker: BrokerSettings

    public var replicaPath: String { "\(dataDirectory)/replica.sqlite" }

    /// Reads and validates `path`; `environment` may override the clock offset.
    public static func load(path: String) throws(ConfigError) -> NodeSettings {
        try load(path: path, environment: ProcessInfo.processInfo.environment)
    }

    public static func load(path: String, environment: [String: String], checkingFiles: Bool = true)
        throws(ConfigError) -> NodeSettings
    {
        var root = try ConfigReader.parse(file: path, text: try ConfigText.read(path))
        var node = try root.section("node")
        let id = try node.string(
            "id", expected: "an identifier (letters, digits, '-', '_', '.')", valid: Identifier.isValid)
        let mall = try node.string(
            "mall", expected: "an identifier (letters, digits, '-', '_', '.')", valid: Identifier.isValid)
        let roleText = try node.string(
            "role", expected: SyncSchema.mall.nodeRoles.map(\.rawValue).joined(separator: ", "),
            valid: { Role(rawValue: $0).map(SyncSchema.mall.nodeRoles.contains) == true })
        let dataDirectory = try node.string("data_dir", expected: "a directory path", valid: { !$0.isEmpty })
        var clockOffset = Int64(try node.int("clock_offset_ms", in: -86_400_000...86_400_000, default: 0))
        if let override = environment["MALLEDGE_CLOCK_OFFSET_MS"] {
            guard let value = Int64(override), (-86_400_000...86_400_000).contains(value) else {
                throw ConfigError(
                    file: "environment", key: "MALLEDGE_CLOCK_OFFSET_MS",
                    problem: "expected milliseconds within ±86400000, found \"\(override)\"")
            }
            clockOffset = value
        }
        try node.rejectUnknownKeys()

        var api = try root.section("api")
        let listen = try api.string(
            "listen", default: "127.0.0.1:8080", expected: "host:port", valid: { ListenAddress($0) != nil })
        var deviceTokens: Set<String> = []
        if let tokenFile = try api.optionalString("device_token_file") {
            if checkingFiles {
                guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                    throw api.failure("device_token_file", "cannot read \(tokenFile)")
                }
                let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
                guard token.utf8.count >= 16, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                    throw api.failure(
                        "device_token_file", "\(tokenFile) must hold one token of at least 16 printable characters")
                }
                deviceTokens.insert(token)
            }
        } else if roleText == "gate" {
            throw api.failure("device_token_file", "missing: a gate's controller must authenticate to its node")
        }
        try api.rejectUnknownKeys()

        var gateSection = try root.section("gate")
        let gate = GateDecider.Configuration(
            earlyGraceMillis: Int64(try gateSection.int("early_grace_minutes", in: 0...1440, default: 30)) * 60_000,
            lateGraceMillis: Int64(try gateSection.int("late_grace_minutes", in: 0...1440, default: 15)) * 60_000,
            matcher: PlateMatcher.Configuration(
                minimumConfidence: try gateSection.double("minimum_confidence", in: 0...1, default: 0.5),
                reservedPriorWeight: try gateSection.double("reserved_prior_weight", in: 1...10_000, default: 100),
                admitProbability: try gateSection.double("admit_probability", in: 0.5...1, default: 0.9),
                confusions: try confusionModel(&gateSection, checkingFiles: checkingFiles)))
        for retired in ["weak_character_confidence", "strong_character_confidence", "fuzzy_overall_confidence"] {
            try gateSection.rejectRetired(
                retired,
                replacedBy: "a near-miss read is now weighed by admit_probability, reserved_prior_weight and "
                    + "confusion_model_file (firmware-config/README.md); remove this line")
        }
        try gateSection.rejectUnknownKeys()

        var giftsSection = try root.section("gifts")
        let gifts = GiftVerifier.Configuration(
            clockLeewayMillis: Int64(try giftsSection.int("clock_leeway_seconds", in: 0...3600, default: 120)) * 1000)
        try giftsSection.rejectUnknownKeys()

        var loungeSection = try root.section("lounge")
        let lounge = LoungeDesk.Configuration(
            capacity: try loungeSection.int("capacity", in: 1...10_000, default: 40),
            maxStayMillis: Int64(try loungeSection.int("max_stay_minutes", in: 10...1440, default: 240)) * 60_000)
        try loungeSection.rejectUnknownKeys()

        var sync = try root.section("sync")
        let upstream = UpstreamFlow.Configuration(
            window: try sync.int("window", in: 1...100_000, default: 2000),
            batchSize: try sync.int("batch_size", in: 1...5000, default: 250),
            ackTimeoutMillis: UInt64(try sync.int("ack_timeout_ms", in: 100...600_000, default: 5000)))
        let downstream = ChannelSync.Configuration(
            catchUpDelayMillis: UInt64(try sync.int("catch_up_delay_ms", in: 0...600_000, default: 1000)),
            requestTimeoutMillis: UInt64(try sync.int("request_timeout_ms", in: 100...600_000, default: 4000)))
        let heartbeat = UInt64(try sync.int("heartbeat_ms", in: 100...600_000, default: 1000))
        let keepAcknowledged = UInt64(try sync.int("keep_acknowledged_days", in: 1...365, default: 7)) * 86_400_000
        try sync.rejectUnknownKeys()

        let broker = try BrokerSettings.read(&root, defaultClientID: id, checkingFiles: checkingFiles)
        try root.rejectUnknownKeys()
        return NodeSettings(
            file: path, node: id, mall: mall, role: Role(rawValue: roleText)!, dataDirectory: dataDirectory,
            clockOffsetMillis: clockOffset, api: ListenAddress(listen)!, deviceTokens: deviceTokens, gate: gate,
            gifts: gifts, lounge: lounge, upstream: upstream, downstream: downstream,
            heartbeatIntervalMillis: heartbeat, keepAcknowledgedMillis: keepAcknowledged, broker: broker)
    }
}

enum ConfigText {
    static func read(_ path: String) throws(ConfigError) -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(file: path, key: nil, problem: "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, key: nil, problem: "cannot be read (permissions?)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigError(file: path, key: nil, problem: "not UTF-8 text")
        }
        return text
    }
}

extension NodeSettings {
    /// The file `gate.confusion_model_file` names, read and checked, or the
    /// standard table when the key is absent.
    fileprivate static func confusionModel(_ section: inout ConfigReader, checkingFiles: Bool) throws(ConfigError)
        -> ConfusionModel
    {
        guard let path = try section.optionalString("confusion_model_file") else { return .standard }
        guard checkingFiles else { return .standard }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw section.failure("confusion_model_file", "cannot read \(path)")
        }
        do {
            return try ConfusionModel(json: [UInt8](data))
        } catch {
            throw section.failure("confusion_model_file", "\(path): \(error)")
        }
    }
}

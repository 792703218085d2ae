import DeviceConfig
import Foundation
import MallDomain
import Testing

@Suite struct ConfigTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../firmware-config").standardized.path

    /// A confusion model whose only entry has a rate of 2.
    static let brokenModel: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).json").path
        try? #"{"otherRate": 0, "confusions": [{"truth": "1", "read": "7", "rate": 2}]}"#.write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: ["gate-north-1", "lounge-vip-1", "gift-counter-1"])
    func everyNodeExampleIsValid(name: String) throws {
        let settings = try NodeSettings.load(
            path: "\(Self.examples)/\(name).toml", environment: [:], checkingFiles: false)
        #expect(settings.node == name)
        #expect(settings.broker.options.tls?.caFile == "/etc/malledge/ca.crt")
        #expect(settings.broker.clientID == name)
    }

    @Test func hubExampleListsTheFleet() throws {
        let settings = try HubSettings.load(path: "\(Self.examples)/hub.toml", checkingFiles: false)
        #expect(settings.fleet.map(\.node) == ["gate-north-1", "lounge-vip-1", "gift-counter-1"])
    }

    @Test func defaultsFillEverythingOptional() throws {
        let path = try write("[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"lounge\"\ndata_dir = \"/tmp/g1\"\n")
        let settings = try NodeSettings.load(path: path, environment: [:])
        #expect(settings.api == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(settings.broker.options.port == 1883)
        #expect(settings.broker.options.maxInFlight == 500)
        #expect(settings.clockOffsetMillis == 0)
    }

    @Test func environmentOverridesTheClockOffset() throws {
        let path = try write(
            "[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"lounge\"\ndata_dir = \"/d\"\nclock_offset_ms = 5\n")
        #expect(try NodeSettings.load(path: path, environment: [:]).clockOffsetMillis == 5)
        #expect(
            try NodeSettings.load(path: path, environment: ["MALLEDGE_CLOCK_OFFSET_MS": "-120000"]).clockOffsetMillis
                == -120_000)
        #expect(throws: ConfigError.self) {
            try NodeSettings.load(path: path, environment: ["MALLEDGE_CLOCK_OFFSET_MS": "soon"])
        }
    }

    /// Each broken file names the file, the key and what was expected.
    @Test(arguments: [
        ("[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"gat\"\ndata_dir = \"/d\"\n", "node.role", "gate, gift, lounge"),
        ("[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"gate\"\n", "node.data_dir", "missing"),
        ("[node]\nid = \"g 1\"\nmall = \"m\"\nrole = \"gate\"\ndata_dir = \"/d\"\n", "node.id", "identifier"),
        (
            "[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"lounge\"\ndata_dir = \"/d\"\n[mqtt]\nport = 70000\n",
            "mqtt.port", "1...65535"
        ),
        (
            "[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"lounge\"\ndata_dir = \"/d\"\n[mqtt]\nport = \"x\"\n",
            "mqtt.port", "integer"
        ),
        (
            "[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"lounge\"\ndata_dir = \"/d\"\n[mqtt]\nprot = 1\n", "mqtt.prot",
            "unknown key"
        ),
        (
            "[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"lounge\"\ndata_dir = \"/d\"\n[mqtt]\nmax_inflight = 0\n",
            "mqtt.max_inflight", "10...65535"
        ),
        (
            "[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"gate\"\ndata_dir = \"/d\"\n[api]\nlisten = \"nowhere\"\n",
            "api.listen", "host:port"
        ),
        (
            "[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"gate\"\ndata_dir = \"/d\"\n", "api.device_token_file",
            "must authenticate"
        ),
        (
            "[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"gate\"\ndata_dir = \"/d\"\n[api]\ndevice_token_file = \"/none\"\n",
            "api.device_token_file", "cannot read"
        ),
        ("node = 3\n", "node", "table"),
    ])
    func brokenNodeFilesAreRefusedWithTheKey(text: String, key: String, expected: String) throws {
        let path = try write(text)
        let error = #expect(throws: ConfigError.self) { try NodeSettings.load(path: path, environment: [:]) }
        #expect(error?.file == path)
        #expect(error?.key == key)
        #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
    }

    /// Found by `mall-fuzz config`: TOMLKit's parser (toml++ 3) aborted the
    /// process on these, in its table header and array parsers. Each is
    /// refused with an error instead: the parser runs in a child first.
    @Test(arguments: [
        "[# MallEdge hub\n", "[node]\nid = \"g1\"\n[[ # x\n", "[\n", "  [\t\n", "[é]\n",
        "#<Mll =\n\r\n [ &\"lounge\"\n", "[node]\r\nid = \"g1\"\r\n[#\r\n", "\u{FEFF}[[[e\n", "\u{00A0}[ #\n",
        "# Ma\n[\rift\0\"\n", "x =[[\n}[[\n", "[node]\nid = \"g1\"\nports = [1, 2,\n  }\n]\n",
    ])
    func aFileThatAbortsTheParserIsRefusedNotACrash(text: String) throws {
        let path = try write(text)
        let error = #expect(throws: ConfigError.self) { try NodeSettings.load(path: path, environment: [:]) }
        #expect(error?.description.contains("not valid TOML") == true, "\(String(describing: error))")
        #expect(throws: ConfigError.self) { try HubSettings.load(path: path) }
    }

    /// The refusal names the line where the parser breaks, found by probing
    /// prefixes of the file.
    @Test func aParserAbortNamesItsLine() throws {
        let path = try write("[node]\nid = \"g1\"\n# fine so far\nx = [[\n}[[\ny = 1\n")
        let error = #expect(throws: ConfigError.self) { try NodeSettings.load(path: path, environment: [:]) }
        #expect(
            error?.description.contains("at or before line 5: the TOML parser crashed") == true,
            "\(String(describing: error))")
    }

    @Test func aGateReadsItsTokenAndPlateRules() throws {
        let token = try write("  0123456789abcdef-gate\n")
        let path = try write(
            "[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"gate\"\ndata_dir = \"/d\"\n[api]\ndevice_token_file = \"\(token)\"\n"
                + "[gate]\nearly_grace_minutes = 10\nminimum_confidence = 0.6\nadmit_probability = 0.95\n"
                + "reserved_prior_weight = 50\n")
        let settings = try NodeSettings.load(path: path, environment: [:])
        #expect(settings.deviceTokens == ["0123456789abcdef-gate"])
        #expect(settings.gate.earlyGraceMillis == 600_000)
        #expect(settings.gate.lateGraceMillis == 900_000)
        #expect(settings.gate.matcher.minimumConfidence == 0.6)
        #expect(settings.gate.matcher.admitProbability == 0.95)
        #expect(settings.gate.matcher.reservedPriorWeight == 50)
        #expect(settings.gate.matcher.confusions == .standard)
    }

    @Test func aGateReadsTheConfusionModelItsMallFitted() throws {
        let token = try write("0123456789abcdef-gate")
        let model = try write(#"{"otherRate": 0.0001, "confusions": [{"truth": "1", "read": "7", "rate": 0.03}]}"#)
        let path = try write(
            "[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"gate\"\ndata_dir = \"/d\"\n[api]\ndevice_token_file = \"\(token)\"\n"
                + "[gate]\nconfusion_model_file = \"\(model)\"\n")
        let confusions = try NodeSettings.load(path: path, environment: [:]).gate.matcher.confusions
        #expect(confusions.rate(truth: "1", read: "7") == 0.03)
        #expect(confusions.rate(truth: "8", read: "B") == 0.0001)
    }

    @Test(arguments: [
        ("[gate]\nminimum_confidence = 1.5\n", "gate.minimum_confidence", "0.0...1.0"),
        ("[gate]\nlate_grace_minutes = \"soon\"\n", "gate.late_grace_minutes", "integer"),
        ("[gate]\ngrace = 1\n", "gate.grace", "unknown key"),
        ("[gate]\nweak_character_confidence = 0.7\n", "gate.weak_character_confidence", "no longer read"),
        ("[gate]\nadmit_probability = 0.3\n", "gate.admit_probability", "0.5...1.0"),
        ("[gate]\nconfusion_model_file = \"/nonexistent/model.json\"\n", "gate.confusion_model_file", "cannot read"),
        (
            "[gate]\nconfusion_model_file = \"\(ConfigTests.brokenModel)\"\n", "gate.confusion_model_file",
            "confusions[0].rate: a rate above 0 and below 1"
        ),
    ])
    func brokenGateRulesAreRefused(section: String, key: String, expected: String) throws {
        let token = try write("0123456789abcdef-gate")
        let path = try write(
            "[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"gate\"\ndata_dir = \"/d\"\n[api]\ndevice_token_file = \"\(token)\"\n"
                + section)
        let error = #expect(throws: ConfigError.self) { try NodeSettings.load(path: path, environment: [:]) }
        #expect(error?.key == key)
        #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
    }

    @Test func aShortDeviceTokenIsRefused() throws {
        let token = try write("short")
        let path = try write(
            "[node]\nid = \"g1\"\nmall = \"m\"\nrole = \"gate\"\ndata_dir = \"/d\"\n[api]\ndevice_token_file = \"\(token)\"\n"
        )
        let error = #expect(throws: ConfigError.self) { try NodeSettings.load(path: path, environment: [:]) }
        #expect(error?.description.contains("at least 16") == true, "\(String(describing: error))")
    }

    @Test func invalidTOMLSaysWhere() throws {
        let path = try write("[node\nid = 1")
        let error = #expect(throws: ConfigError.self) { try NodeSettings.load(path: path, environment: [:]) }
        #expect(error?.description.contains("line 1") == true)
    }

    @Test func missingFileAndDuplicateFleetMembersAreRefused() throws {
        #expect(throws: ConfigError.self) { try NodeSettings.load(path: "/nonexistent/x.toml", environment: [:]) }
        let path = try write(
            "[hub]\ndata_dir = \"/d\"\n[[nodes]]\nid = \"a\"\nmall = \"m\"\nrole = \"gate\"\n[[nodes]]\nid = \"a\"\nmall = \"m\"\nrole = \"gift\"\n"
        )
        let error = #expect(throws: ConfigError.self) { try HubSettings.load(path: path) }
        #expect(error?.key == "nodes[1].id")
    }
}

import BrokerHarness
import Foundation
import MallDomain
import MosquittoTransport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real fleet for integration tests: a Mosquitto broker on a free loopback
/// port, the `mall-hub` and `mall-node` executables built beside this test
/// bundle, each with its own configuration file, data directory and log.
final class Fleet: @unchecked Sendable {
    struct Member {
        var id: String
        var role: String
        var apiPort: Int
        var config: String
        var log: String
        var process: ChildProcess?
    }

    let broker: MosquittoBroker
    let directory: URL
    let hubPort: Int
    private(set) var hub: ChildProcess?
    private(set) var nodes: [String: Member] = [:]
    static let mall = "mall-test"

    /// Where each process's MQTT password file is, when the broker authenticates.
    private(set) var credentials: URL?

    /// `nodes`: id and role of each member. `brokerSettings`: extra Mosquitto
    /// lines. With `productionACL`, the broker is set up as production's:
    /// TLS only (a test CA; every process checks the broker's certificate),
    /// no anonymous clients, `deploy/mosquitto/mall.acl` with credentials and
    /// ACL blocks made by `deploy/scripts/create-node-credentials.sh`, and
    /// mall.conf's identity lines.
    init(nodes: [(String, String)], brokerSettings: [String] = [], productionACL: Bool = false) async throws {
        var settings = brokerSettings
        if productionACL {
            let credentials = try await Self.makeCredentials(for: nodes + [("hub", "hub")])
            self.credentials = credentials
            try await TestCertificates.make(in: credentials)
            settings +=
                TestCertificates.brokerSettings(credentials)
                + [
                    "allow_anonymous false", "password_file \(credentials.path)/passwd",
                    "acl_file \(credentials.path)/acl",
                ] + (try Self.productionIdentitySettings())
        }
        broker = try MosquittoBroker(settings: settings)
        directory = broker.directory.appendingPathComponent("fleet")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        hubPort = try FreePort.next()
        var hubFile = """
            [hub]
            data_dir = "\(directory.path)/hub"
            [http]
            listen = "127.0.0.1:\(hubPort)"
            admin_token_file = "\(directory.path)/admin.token"
            [mqtt]
            port = \(broker.port)
            \(credentials.map { Self.brokerLogin("hub", $0) } ?? "")
            [sync]
            status_interval_ms = 200
            [console]
            history_interval_seconds = 1
            [[operators]]
            id = "\(Self.consoleOperator)"
            name = "Test Operator"
            role = "operator"
            password_hash = "\(try PINHash.make(pin: Self.consolePassword, rounds: 1000))"

            """
        for (id, role) in nodes {
            hubFile += "[[nodes]]\nid = \"\(id)\"\nmall = \"\(Self.mall)\"\nrole = \"\(role)\"\n"
            let port = try FreePort.next()
            let config = directory.appendingPathComponent("\(id).toml").path
            self.nodes[id] = Member(
                id: id, role: role, apiPort: port, config: config,
                log: directory.appendingPathComponent("\(id).log").path)
            try writeNodeConfig(id, brokerPort: broker.port)
        }
        try hubFile.write(toFile: hubConfig, atomically: true, encoding: .utf8)
        try Self.adminToken.write(toFile: "\(directory.path)/admin.token", atomically: true, encoding: .utf8)
    }

    static let adminToken = "fleet-test-admin-token"
    /// Who may log in at the hub console.
    static let consoleOperator = "op"
    static let consolePassword = "fleet-console-pass"

    /// Runs `mall-hub <arguments> --config <hub file>` to completion: its exit status and output.
    func hubCommand(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let output = directory.appendingPathComponent("command-\(UUID().uuidString.prefix(6)).txt").path
        let process = try ChildProcess(
            executable: Self.executable("mall-hub"), arguments: arguments + ["--config", hubConfig], outputFile: output)
        let status = await process.exited()
        return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }

    deinit {
        hub?.signal(SIGKILL)
        for member in nodes.values { member.process?.signal(SIGKILL) }
    }

    var hubConfig: String { directory.appendingPathComponent("hub.toml").path }
    var hubLog: String { directory.appendingPathComponent("hub.log").path }

    /// Rewrites a node's file, pointing it at `brokerPort` (a dead port plays
    /// a broker the node cannot reach).
    func writeNodeConfig(_ id: String, brokerPort: Int) throws {
        let member = nodes[id]!
        try deviceToken(for: id).write(toFile: deviceTokenFile(id), atomically: true, encoding: .utf8)
        let text = """
            [node]
            id = "\(id)"
            mall = "\(Self.mall)"
            role = "\(member.role)"
            data_dir = "\(directory.path)/\(id)"
            [api]
            listen = "127.0.0.1:\(member.apiPort)"
            device_token_file = "\(deviceTokenFile(id))"
            [mqtt]
            port = \(brokerPort)
            \(credentials.map { Self.brokerLogin(id, $0) } ?? "")
            [sync]
            ack_timeout_ms = 1000
            catch_up_delay_ms = 200
            request_timeout_ms = 1000
            heartbeat_ms = 200

            """
        try text.write(toFile: member.config, atomically: true, encoding: .utf8)
    }

    /// A process's `[mqtt]` lines in production mode: its password and the CA
    /// that signed the broker's certificate.
    static func brokerLogin(_ id: String, _ credentials: URL) -> String {
        "username = \"\(id)\"\npassword_file = \"\(credentials.path)/\(id).password\"\n"
            + "tls_ca_file = \"\(credentials.path)/ca.crt\""
    }

    /// How a process holding `username`'s stolen password reaches the
    /// production broker: over TLS with the CA every device trusts.
    func stolenLogin(_ username: String) throws -> MosquittoClient.Options {
        let credentials = try #require(credentials, "a production fleet")
        let password = try String(
            contentsOf: credentials.appendingPathComponent("\(username).password"), encoding: .utf8)
        return .init(
            port: broker.port, username: username, password: password.trimmingCharacters(in: .whitespacesAndNewlines),
            tls: .init(caFile: "\(credentials.path)/ca.crt"))
    }

    /// The bearer token a node's device software presents.
    func deviceToken(for id: String) -> String { "fleet-test-device-token-\(id)" }

    private func deviceTokenFile(_ id: String) -> String { "\(directory.path)/\(id).device-token" }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized

    /// The lines of `deploy/mosquitto/mall.conf` that decide who a client
    /// is and what it may send (client id binding, limits), as the production
    /// broker has them; the listener, certificates and file paths are the
    /// test's own.
    static func productionIdentitySettings() throws -> [String] {
        let kept: Set<String> = [
            "use_username_as_clientid", "max_packet_size", "max_inflight_messages", "max_queued_messages",
            "set_tcp_nodelay",
        ]
        let text = try String(
            contentsOf: repository.appendingPathComponent("deploy/mosquitto/mall.conf"), encoding: .utf8)
        return text.split(separator: "\n").map(String.init).filter { line in
            kept.contains(String(line.split(separator: " ").first ?? ""))
        }
    }

    /// Runs the production credentials script for every member, into a new directory.
    static func makeCredentials(for members: [(String, String)]) async throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("malledge-credentials-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: repository.appendingPathComponent("deploy/mosquitto/mall.acl"),
            to: directory.appendingPathComponent("acl"))
        let script = repository.appendingPathComponent("deploy/scripts/create-node-credentials.sh").path
        for (id, role) in members {
            let process = try ChildProcess(
                executable: "/bin/bash",
                arguments: [
                    script, id, mall, role, "\(directory.path)/passwd", "\(directory.path)/acl", directory.path,
                ],
                outputFile: "\(directory.path)/script.log")
            let status = await process.exited()
            guard status == 0 else {
                let log = (try? String(contentsOfFile: "\(directory.path)/script.log", encoding: .utf8)) ?? ""
                throw MosquittoBroker.Failure(description: "credentials script failed for \(id): \(log)")
            }
        }
        return directory
    }

    // MARK: Processes

    static func executable(_ name: String) -> String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent(name).path
    }

    func startHub() async throws {
        hub = try ChildProcess(
            executable: Self.executable("mall-hub"), arguments: ["run", "--config", hubConfig], outputFile: hubLog)
        try await waitForHTTP(port: hubPort, path: "/v1/health")
    }

    func startNode(_ id: String) async throws {
        let member = nodes[id]!
        nodes[id]!.process = try ChildProcess(
            executable: Self.executable("mall-node"), arguments: ["run", "--config", member.config],
            outputFile: member.log)
        try await waitForHTTP(port: member.apiPort, path: "/v1/health")
    }

    func startAll() async throws {
        try await startHub()
        for id in nodes.keys.sorted() { try await startNode(id) }
    }

    /// SIGTERM (graceful) or SIGKILL (`kill -9`).
    func stopNode(_ id: String, signal: Int32 = SIGTERM) async {
        guard let process = nodes[id]?.process else { return }
        if signal == SIGTERM { await process.stopped() } else { process.signal(SIGKILL) }
        await process.exited()
        nodes[id]!.process = nil
    }

    func stopHub(signal: Int32 = SIGTERM) async {
        guard let hub else { return }
        if signal == SIGTERM { await hub.stopped() } else { hub.signal(SIGKILL) }
        await hub.exited()
        self.hub = nil
    }

    /// Every node and the hub get SIGTERM at once and are waited for
    /// together, so the test's thread is held for the slowest goodbye only.
    func stopAll() {
        let processes = nodes.values.compactMap(\.process) + [hub].compactMap { $0 }
        for process in processes { process.signal(SIGTERM) }
        for process in processes { process.terminate(grace: 10) }
        for id in nodes.keys { nodes[id]!.process = nil }
        hub = nil
        broker.stop()
    }

    // MARK: HTTP

    func waitForHTTP(port: Int, path: String) async throws {
        if await eventually(seconds: 60, { (try? await get(port: port, path: path)) != nil }) { return }
        throw MosquittoBroker.Failure(description: "nothing answers on port \(port)")
    }

    func get(port: Int, path: String, token: String? = nil) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, data)
    }

    /// Commits one insert at `node` through its local API; returns the HTTP status.
    @discardableResult
    func insert(at node: String, table: String, key: String, columns: [String: Any]) async throws -> Int {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(nodes[node]!.apiPort)/v1/writes")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        request.setValue("Bearer \(deviceToken(for: node))", forHTTPHeaderField: "authorization")
        let body: [String: Any] = ["writes": [["table": table, "key": key, "op": "insert", "columns": columns]]]
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as! HTTPURLResponse).statusCode
    }

    /// Writes rows at the hub through its admin API (what only the hub may
    /// write: reservations, members, codes); returns the HTTP status.
    @discardableResult
    func hubInsert(table: String, key: String, columns: [String: Any]) async throws -> Int {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(hubPort)/v1/admin/rows")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        request.setValue("Bearer \(Self.adminToken)", forHTTPHeaderField: "authorization")
        let body: [String: Any] = [
            "mall": Self.mall, "writes": [["table": table, "key": key, "op": "insert", "columns": columns]],
        ]
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as! HTTPURLResponse).statusCode
    }

    /// Sends a JSON request to a node's API; the status and the JSON answer.
    func send(_ method: String, to node: String, _ path: String, _ body: [String: Any]? = nil, token: String)
        async throws -> (Int, [String: Any])
    {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(nodes[node]!.apiPort)\(path)")!)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        request.setValue("Bearer \(token)", forHTTPHeaderField: "authorization")
        request.httpBody = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return (
            (response as! HTTPURLResponse).statusCode,
            (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        )
    }

    /// Whether `node` has the row visible.
    func has(_ node: String, table: String, key: String) async -> Bool {
        guard
            let (status, data) = try? await get(
                port: nodes[node]!.apiPort, path: "/v1/rows/\(table)/\(key)", token: deviceToken(for: node)),
            status == 200, let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return false }
        return json["visible"] as? Bool == true
    }

    /// Messages the hub refused, by reason, as its fleet API reports them.
    func hubRejections() async -> [String: Int] {
        guard let (_, data) = try? await get(port: hubPort, path: "/v1/fleet", token: Self.adminToken),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return json["rejections"] as? [String: Int] ?? [:]
    }

    // MARK: Digests and logs

    func hubDigests() async throws -> [String: String] {
        try await digests(executable: "mall-hub", config: hubConfig)
    }

    func nodeDigests(_ id: String) async throws -> [String: String] {
        try await digests(executable: "mall-node", config: nodes[id]!.config)
    }

    private func digests(executable: String, config: String) async throws -> [String: String] {
        let output = directory.appendingPathComponent("digest-\(UUID().uuidString.prefix(6)).txt").path
        let process = try ChildProcess(
            executable: Self.executable(executable), arguments: ["digest", "--config", config], outputFile: output)
        await process.exited()
        let text = try String(contentsOfFile: output, encoding: .utf8)
        return Dictionary(
            uniqueKeysWithValues: text.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: " ")
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            })
    }

    /// Waits until every node's digests equal the hub's for the node's channels.
    func converged(seconds: Double = 90) async -> Bool {
        // Each look runs a digest process per member: look every 200 ms.
        await eventually(seconds: seconds, every: .milliseconds(200)) {
            guard let hub = try? await hubDigests() else { return false }
            for id in nodes.keys {
                guard let mine = try? await nodeDigests(id), !mine.isEmpty, mine.allSatisfy({ hub[$0.key] == $0.value })
                else { return false }
            }
            return true
        }
    }

    /// The change ids of every decision line a node's log holds.
    func decisions(of id: String) throws -> [String] {
        let text = (try? String(contentsOfFile: nodes[id]!.log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line -> [String]? in
            guard let start = line.range(of: "decision {")?.lowerBound else { return nil }
            let json = line[line.index(start, offsetBy: "decision ".count)...]
            guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                let changes = object["changes"] as? [[String: Any]]
            else { return nil }
            return changes.compactMap { $0["key"] as? String }
        }.flatMap { $0 }
    }
}

import BrokerHarness
import Foundation
import Hummingbird
import Logging
import Services
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One request to a test server on 127.0.0.1:`port`: the status, and the
/// JSON answer (an array answer under `"array"`).
func request(
    port: Int, _ method: String, _ path: String, body: Data?, token: String?,
    contentType: String = "application/json"
) async throws -> (Int, [String: Any]) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.httpMethod = method
    request.setValue(contentType, forHTTPHeaderField: "content-type")
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "authorization") }
    request.httpBody = body
    let (data, response) = try await URLSession.shared.data(for: request)
    let json =
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [
            "array": (try? JSONSerialization.jsonObject(with: data)) ?? []
        ]
    return ((response as! HTTPURLResponse).statusCode, json)
}

/// Any request to 127.0.0.1:`port`; the status and the raw body.
func rawRequest(port: Int, _ method: String, _ path: String, body: Data?, token: String?) async throws -> (Int, Data) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.httpMethod = method
    request.setValue("application/json", forHTTPHeaderField: "content-type")
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "authorization") }
    request.httpBody = body
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as! HTTPURLResponse).statusCode, data)
}

/// Serves `router` on a free loopback port while `body` runs with the port, then stops.
func serveOnFreePort(
    _ router: Router<APIRequestContext>, logger: Logger, _ body: (Int) async throws -> Void
) async throws {
    let port = try FreePort.next()
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
    try await withThrowingTaskGroup { tasks in
        tasks.addTask { try await app.runService() }
        #expect(await eventually { FreePort.accepts(port) })
        try await body(port)
        tasks.cancelAll()
    }
}

/// The hub's API (admin, console, metrics) served over real HTTP on a free
/// loopback port, with the admin token as the default credential.
struct ServedHub {
    let hub: Hub
    let port: Int

    /// Serves `hub` while `body` runs, then stops.
    static func serve(_ hub: Hub, logger: Logger, _ body: (ServedHub) async throws -> Void) async throws {
        try await serveOnFreePort(HubAPI.router(hub: hub), logger: logger) {
            try await body(ServedHub(hub: hub, port: $0))
        }
    }

    func send(
        _ method: String, _ path: String, body: String? = nil, contentType: String = "application/json",
        token: String? = InMemoryFleet.adminToken
    ) async throws -> (Int, [String: Any]) {
        try await request(
            port: port, method, path, body: body.map { Data($0.utf8) }, token: token, contentType: contentType)
    }
}

/// A node's API served over real HTTP on a free loopback port, and a client for it.
struct ServedNode {
    let node: NodeCoordinator
    let port: Int

    /// Serves `node` while `body` runs, then stops.
    static func serve(_ node: NodeCoordinator, logger: Logger, _ body: (ServedNode) async throws -> Void) async throws {
        try await serveOnFreePort(NodeAPI.router(coordinator: node), logger: logger) {
            try await body(ServedNode(node: node, port: $0))
        }
    }

    func send(_ method: String, _ path: String, body: Data? = nil, token: String?) async throws -> (
        Int, [String: Any]
    ) {
        try await request(port: port, method, path, body: body, token: token)
    }

    func post(_ path: String, body: Data, token: String? = NodeAPITests.token) async throws -> (Int, [String: Any]) {
        try await send("POST", path, body: body, token: token)
    }

    func post(_ path: String, _ text: String, token: String? = NodeAPITests.token) async throws -> (Int, [String: Any])
    {
        try await send("POST", path, body: Data(text.utf8), token: token)
    }

    /// The error message of a refused request.
    static func message(_ json: [String: Any]) -> String {
        (json["error"] as? [String: Any])?["message"] as? String ?? ""
    }
}

extension ServedHub {
    /// Any request; the status and the raw body.
    func raw(_ method: String, _ path: String, body: Data?, token: String?) async throws -> (Int, Data) {
        try await rawRequest(port: port, method, path, body: body, token: token)
    }
}

extension ServedNode {
    /// Any request; the status and the raw body.
    func raw(_ method: String, _ path: String, body: Data?, token: String?) async throws -> (Int, Data) {
        try await rawRequest(port: port, method, path, body: body, token: token)
    }
}

import DeviceConfig
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Calls a running hub's admin API with the admin token of its config file,
/// so the commands and the API can never disagree on what an action does.
struct AdminClient {
    let base: String
    let token: String

    init(settings: HubSettings) throws {
        guard let token = settings.adminTokens.first else {
            FileHandle.standardError.write(
                Data("mall-hub: \(settings.file) sets no http.admin_token_file; the admin API is closed\n".utf8))
            throw AdminClientExit(code: 78)
        }
        base = "http://\(settings.http)"
        self.token = token
    }

    /// Sends `body` as JSON; returns the decoded answer, or prints the hub's
    /// message and exits non-zero.
    func send(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> [String: Any] {
        try await request(method, path, body) as? [String: Any] ?? [:]
    }

    /// Any JSON answer (an object or an array).
    func request(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> Any {
        try await request(
            method, path, body: try body.map { try JSONSerialization.data(withJSONObject: $0) },
            contentType: "application/json")
    }

    /// Sends `body` as it is (an import file); a refusal's per-row report is
    /// printed before exiting.
    func request(_ method: String, _ path: String, body: Data?, contentType: String) async throws -> Any {
        // An id typed on the command line may not make a URL: refuse it, never trap.
        guard let url = URL(string: base + path) else {
            FileHandle.standardError.write(Data("mall-hub: not a valid request path: \(path)\n".utf8))
            throw AdminClientExit(code: 64)
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue(contentType, forHTTPHeaderField: "content-type")
        request.setValue("Bearer \(token)", forHTTPHeaderField: "authorization")
        request.httpBody = body
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            FileHandle.standardError.write(Data("mall-hub: no hub answers at \(base)\n".utf8))
            throw AdminClientExit(code: 69)
        }
        let json = (try? JSONSerialization.jsonObject(with: data)) ?? [String: Any]()
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let error = (json as? [String: Any])?["error"] as? [String: Any]
            let message = error?["message"] as? String ?? "HTTP \(status)"
            FileHandle.standardError.write(Data("mall-hub: refused: \(message)\n".utf8))
            for row in (json as? [String: Any])?["rows"] as? [[String: Any]] ?? [] {
                let field = (row["field"] as? String).map { " \($0)" } ?? ""
                FileHandle.standardError.write(
                    Data("  row \(row["row"] ?? "?")\(field): \(row["problem"] ?? "")\n".utf8))
            }
            throw AdminClientExit(code: 65)
        }
        return json
    }
}

struct AdminClientExit: Error {
    var code: Int32
}

import Foundation
import Testing

/// One of the published OpenAPI documents in `sync-protocol/`, read for the
/// contract tests: its operations, their examples and test expectations
/// (`x-malledge`), and its component schemas.
struct OpenAPIDocument {
    struct Operation {
        var method: String
        var path: String
        var spec: JSONValue

        var name: String { "\(method) \(path)" }
        /// How the contract tests authenticate: `x-malledge.auth`.
        var auth: String? { spec["x-malledge"]?["auth"]?.string }
        /// The status the documented example must get, if the test sends it.
        var expectedStatus: Int? {
            if case .integer(let status)? = spec["x-malledge"]?["expect"] { return Int(status) }
            return nil
        }

        /// Where the test sends the example: `x-malledge.path`, or the path itself.
        var examplePath: String { spec["x-malledge"]?["path"]?.string ?? path }

        /// The documented example body, as JSON bytes.
        var example: Data? {
            spec["requestBody"]?["content"]?["application/json"]?["example"].map(OpenAPIDocument.encode)
        }
    }

    let root: JSONValue

    init(named name: String) {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../sync-protocol/\(name)").standardized
        root = JSONValue.parse((try? Data(contentsOf: url)) ?? Data()) ?? .null
    }

    var operations: [Operation] {
        (root["paths"]?.members ?? [:]).flatMap { path, item in
            item.members.map { Operation(method: $0.key.uppercased(), path: path, spec: $0.value) }
        }.sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }

    var schemas: JSONSchemaSubset { JSONSchemaSubset(components: root["components"]?["schemas"]?.members ?? [:]) }

    /// Checks the answer to an operation's example: the expected status, a
    /// status the document lists, and a JSON body that fits its schema.
    func check(_ operation: Operation, status: Int, body data: Data) throws {
        #expect(status == operation.expectedStatus, "\(operation.name): \(String(decoding: data, as: UTF8.self))")
        guard let response = operation.spec["responses"]?[String(status)] else {
            Issue.record("\(operation.name): status \(status) is not documented")
            return
        }
        if let schema = response["content"]?["application/json"]?["schema"] {
            let value = try #require(JSONValue.parse(data), "\(operation.name): not JSON")
            #expect(schemas.problems(value, against: schema) == [], "\(operation.name)")
        }
    }

    /// `METHOD /path/{param}` for each route a router serves.
    static func routeNames(_ routes: [(method: String, path: String)]) -> Set<String> {
        Set(
            routes.map { route in
                let path = route.path.split(separator: "/").map {
                    $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0)
                }
                return "\(route.method) /" + path.joined(separator: "/")
            })
    }

    static func encode(_ value: JSONValue) -> Data {
        func plain(_ value: JSONValue) -> Any {
            switch value {
            case .object(let members): members.mapValues(plain)
            case .array(let elements): elements.map(plain)
            case .string(let text): text
            case .integer(let number): number
            case .number(let number): number
            case .boolean(let flag): flag
            case .null: NSNull()
            }
        }
        return (try? JSONSerialization.data(withJSONObject: plain(value), options: [.fragmentsAllowed])) ?? Data()
    }
}

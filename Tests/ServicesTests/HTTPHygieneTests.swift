import Foundation
import Services
import SyncCore
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What every route gets from `APIHygiene` and `RequestBody`, tried against a
/// gate node: a web page elsewhere cannot drive it, a body must be JSON,
/// nothing malformed gets past a 4xx, and pages cannot be framed.
@Suite struct HTTPHygieneTests {
    /// One raw request with full control over the headers; the status, the
    /// response headers and the error message.
    func raw(
        _ served: ServedNode, _ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]
    ) async throws -> (status: Int, headers: [AnyHashable: Any], message: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(served.port)\(path)")!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body.map { Data($0.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (http.statusCode, http.allHeaderFields, ServedNode.message(json))
    }

    let read = #"{"lane":"north-1","direction":"in","plate":"皖A12345","confidence":0.96}"#
    var device: [String: String] { ["authorization": "Bearer \(NodeAPITests.token)"] }

    @Test func onlyJSONBodiesAreRead() async throws {
        try await NodeAPITests().withGateNode { served in
            for type in ["text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", ""] {
                let answer = try await raw(
                    served, "POST", "/v1/gate/reads", body: read, headers: device.merging(["content-type": type]) { $1 }
                )
                #expect(answer.status == 415, "\(type)")
            }
            let json = try await raw(
                served, "POST", "/v1/gate/reads", body: read,
                headers: device.merging(["content-type": "application/json; charset=utf-8"]) { $1 })
            #expect(json.status == 201)
        }
    }

    @Test func aStateChangingRequestFromAnotherOriginIsRefused() async throws {
        try await NodeAPITests().withGateNode { served in
            let login = #"{"staffId":"s1","pin":"0000"}"#
            let foreign = try await raw(
                served, "POST", "/v1/staff/sessions", body: login,
                headers: ["content-type": "application/json", "origin": "http://evil.example"])
            #expect(foreign.status == 403)
            #expect(foreign.message.contains("cross-origin"))
            let own = try await raw(
                served, "POST", "/v1/staff/sessions", body: login,
                headers: ["content-type": "application/json", "origin": "http://127.0.0.1:\(served.port)"])
            #expect(own.status == 401)
        }
    }

    @Test func anUndeclaredMethodIs405WithAllow() async throws {
        try await NodeAPITests().withGateNode { served in
            let answer = try await raw(served, "PUT", "/v1/gate/reads", body: read, headers: device)
            #expect(answer.status == 405)
            #expect(answer.headers["Allow"] as? String == "POST")
            #expect(try await raw(served, "DELETE", "/v1/rows/reservations/r1", headers: device).status == 405)
            // A handler's own 404 stays a 404, and an unknown path too.
            #expect(try await raw(served, "GET", "/v1/rows/reservations/nope", headers: device).status == 404)
            #expect(try await raw(served, "GET", "/v1/nothing-here", headers: device).status == 404)
        }
    }

    @Test(arguments: [
        #"{"lane":"north-1","direction":"in","plate":"皖A12345","confidence":0.96,"alternatives":null}"#,
        #"{"lane":"north\u0001","direction":"in","plate":"皖A12345","confidence":0.96}"#,
        #"{"lane":"n","direction":"in","plate":"皖A12345","confidence":0.96,"characterConfidences":null}"#,
        // A field given twice: which one counts is up to the parser.
        #"{"lane":"n","direction":"in","plate":"皖A12345","plate":"沪A12345","confidence":0.96}"#,
        #"{"lane":"n","direction":"in","plate":"皖A12345","confidence":0.96,"\u0063onfidence":0.1}"#,
    ])
    func nullsControlCharactersAndRepeatedFieldsAreA400AndChangeNothing(body: String) async throws {
        try await NodeAPITests().withGateNode { served in
            let answer = try await raw(
                served, "POST", "/v1/gate/reads", body: body,
                headers: device.merging(["content-type": "application/json"]) { $1 })
            #expect(answer.status == 400, "\(answer.message)")
            // Nothing was decided: the booking is still waiting for its car.
            #expect(try await served.node.row(table: "reservations", key: "r1")?.values["status"] == .text("booked"))
        }
    }

    @Test func everyAnswerForbidsFramingAndSniffing() async throws {
        try await NodeAPITests().withGateNode { served in
            for path in ["/v1/health", "/v1/nothing-here"] {
                let answer = try await raw(served, "GET", path)
                let policy = answer.headers["Content-Security-Policy"] as? String ?? ""
                #expect(policy.contains("frame-ancestors 'none'"), "\(path)")
                #expect(answer.headers["X-Content-Type-Options"] as? String == "nosniff")
            }
        }
    }
}

import Foundation
import MallDomain
import Services
import Testing

/// The admin API names who acted: the admin token for tools, or an
/// operator's console session, whose name then stands in the audit log.
@Suite struct AdminCallerTests {
    @Test func anOperatorsSessionActsInTheirNameAndAViewersOnlyReads() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, _) = try fleet.hub(
            fleet: ["l1": .init(mall: InMemoryFleet.mall, role: .lounge)],
            operators: try ConsoleBrowserTests.operators)
        let li = try #require(hub.console.operator("li"))
        let zhao = try #require(hub.console.operator("zhao"))
        let operatorToken = try await hub.console.open(for: li).token
        let viewerToken = try await hub.console.open(for: zhao).token
        try await ServedHub.serve(hub, logger: fleet.quiet) { served in
            let path = "/v1/admin/imports/members?mall=\(InMemoryFleet.mall)"
            let csv = "name,phone\nZhang San,13800138000\n"
            let imported = try await served.send("POST", path, body: csv, contentType: "text/csv", token: operatorToken)
            #expect(imported.0 == 201, "\(imported.1)")
            let entry = try #require(
                try await hub.coordinator.audit(about: "li", limit: 10).first { $0["action"] == "import.members" })
            #expect(entry["actor"] == "operator:li")

            let refused = try await served.send("POST", path, body: csv, contentType: "text/csv", token: viewerToken)
            #expect(refused.0 == 403)
            #expect(ServedNode.message(refused.1).contains("viewers"))
            #expect(
                try await hub.coordinator.audit(about: "zhao", limit: 10).contains {
                    $0["outcome"] == "permission denied" && $0["action"] == "POST /v1/admin/imports/members"
                })
            #expect(try await served.send("GET", "/v1/admin/roles", token: viewerToken).0 == 200)
            // Raw rows and key rotation stay with the admin token: a leaked session cannot plant keys.
            let rows =
                #"{"mall":"mall-x","writes":[{"table":"members","key":"m-1","op":"insert","columns":{"name":"A"}}]}"#
            #expect(try await served.send("POST", "/v1/admin/rows", body: rows, token: operatorToken).0 == 401)
            #expect(try await served.send("POST", "/v1/admin/gift-keys", body: "{}", token: operatorToken).0 == 401)
            // The live stream opens with a one-use ticket, never with the session token in its URL.
            #expect(try await served.send("GET", "/v1/console/events?token=\(operatorToken)", token: nil).0 == 401)
            #expect(try await served.send("GET", "/v1/console/events?ticket=made-up", token: nil).0 == 401)
            #expect(try await served.send("GET", "/v1/admin/roles", token: "made-up").0 == 401)
            #expect(try await served.send("GET", "/v1/admin/roles", token: nil).0 == 401)
        }
    }
}

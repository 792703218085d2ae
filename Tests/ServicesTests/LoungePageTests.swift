import Foundation
import Services
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The lounge desk page works with no internet: everything it needs is in
/// the page, and it only talks to its own node.
@Suite struct LoungePageTests {
    @Test func thePageIsSelfContainedAndUsesOnlyTheNodesOwnAPI() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (desk, _) = try fleet.node("l1", role: .lounge)
        try await ServedNode.serve(desk, logger: fleet.quiet) { served in
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(served.port)/lounge")!)
            request.httpMethod = "GET"
            let (data, response) = try await URLSession.shared.data(for: request)
            let html = String(decoding: data, as: UTF8.self)
            #expect((response as! HTTPURLResponse).statusCode == 200)
            #expect(html.contains("<title>VIP lounge desk</title>"))
            #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("src="))
            for path in ["/v1/staff/sessions", "/v1/lounge/check-ins", "/v1/lounge/check-outs", "/v1/sync"] {
                #expect(html.contains("\"\(path)\""), "\(path)")
            }
        }
        // A gate serves no lounge page.
        let (gate, _) = try fleet.node("g1", role: .gate)
        try await ServedNode.serve(gate, logger: fleet.quiet) { served in
            let (status, _) = try await served.send("GET", "/lounge", token: nil)
            #expect(status == 404)
        }
    }
}

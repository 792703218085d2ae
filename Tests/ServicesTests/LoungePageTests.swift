import Foundation
import Services
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The lounge desk page works with no internet: everything it needs comes
/// from its own node (the page, its stylesheet and its script, embedded in
/// the binary), and it only talks to that node.
@Suite struct LoungePageTests {
    @Test func thePageIsSelfContainedAndUsesOnlyTheNodesOwnAPI() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (desk, _) = try fleet.node("l1", role: .lounge)
        try await ServedNode.serve(desk, logger: fleet.quiet) { served in
            func get(_ path: String) async throws -> (text: String, response: HTTPURLResponse) {
                let (data, response) = try await URLSession.shared.data(
                    from: URL(string: "http://127.0.0.1:\(served.port)\(path)")!)
                return (String(decoding: data, as: UTF8.self), response as! HTTPURLResponse)
            }
            let page = try await get("/lounge")
            let style = try await get("/lounge/lounge.css")
            let script = try await get("/lounge/lounge.js")
            for (served, type) in [(page, "text/html"), (style, "text/css"), (script, "text/javascript")] {
                #expect(served.response.statusCode == 200)
                #expect(served.response.value(forHTTPHeaderField: "Content-Type")?.hasPrefix(type) == true)
                // Nothing inline runs, and nothing comes from anywhere but the node.
                #expect(served.response.value(forHTTPHeaderField: "Content-Security-Policy") == "default-src 'self'")
                #expect(!served.text.contains("http://") && !served.text.contains("https://"))
            }
            #expect(page.text.contains("<title>VIP lounge desk</title>"))
            #expect(page.text.contains("<script src=\"/lounge/lounge.js\"></script>"))
            #expect(page.text.contains("<link rel=\"stylesheet\" href=\"/lounge/lounge.css\">"))
            #expect(!page.text.contains("<script>") && !page.text.contains("<style>"))
            for path in ["/v1/staff/sessions", "/v1/lounge/check-ins", "/v1/lounge/check-outs", "/v1/sync"] {
                #expect(script.text.contains("\"\(path)\""), "\(path)")
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

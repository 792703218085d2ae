import BrokerHarness
import Foundation
import Hummingbird
import ServiceLifecycle
import Services
import SyncCore
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `POST /v1/admin/imports/members` at the hub: CSV or JSON, all or nothing.
@Suite struct MemberImportAPITests {
    @Test func aCSVImportReachesTheLoungeAndABadOneChangesNothing() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: ["l1": .init(mall: InMemoryFleet.mall, role: .lounge)])
        let (desk, deskService) = try fleet.node("l1", role: .lounge)
        let group = ServiceGroup(configuration: .init(services: [hubService, deskService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            let port = try FreePort.next()
            let app = Application(
                router: HubAPI.router(coordinator: hub),
                configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: fleet.quiet)
            try await withThrowingTaskGroup(of: Void.self) { server in
                server.addTask { try await app.runService() }
                defer { server.cancelAll() }
                #expect(await eventually { FreePort.accepts(port) })
                func post(_ body: String, type: String) async throws -> (Int, [String: Any]) {
                    var request = URLRequest(
                        url: URL(
                            string: "http://127.0.0.1:\(port)/v1/admin/imports/members?mall=\(InMemoryFleet.mall)")!)
                    request.httpMethod = "POST"
                    request.setValue(type, forHTTPHeaderField: "content-type")
                    request.setValue("Bearer \(InMemoryFleet.adminToken)", forHTTPHeaderField: "authorization")
                    request.httpBody = Data(body.utf8)
                    let (data, response) = try await URLSession.shared.data(for: request)
                    return (
                        (response as! HTTPURLResponse).statusCode,
                        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
                    )
                }
                // A CSV from two channels with one person twice: two members.
                let csv = """
                    name,phone,card_no,tier,guests_allowed
                    Zhang San,138-0013-8000,,gold,2
                    ,13800138000,C-001,,
                    Li Si,13900000000,C-002,white,1
                    """
                let (status, summary) = try await post(csv, type: "text/csv")
                #expect(status == 201, "\(summary)")
                #expect(summary["created"] as? Int == 2)
                let members = try #require(summary["members"] as? [[String: Any]])
                let zhang = try #require(members.first { ($0["rows"] as? [Int]) == [1, 2] }?["id"] as? String)
                #expect(
                    await eventually {
                        (try? await desk.row(table: "members", key: zhang))?.values["card_no"] == .text("C-001")
                    })
                // A JSON import with one bad row is refused whole, row by row.
                let (refused, report) = try await post(
                    #"{"rows":[{"name":"Wang Wu","phone":"13700000000"},{"name":"Bad","phone":"nope"}]}"#,
                    type: "application/json")
                #expect(refused == 422)
                let rows = try #require(report["rows"] as? [[String: Any]])
                #expect(rows.count == 1)
                #expect(rows[0]["row"] as? Int == 2)
                #expect(rows[0]["field"] as? String == "phone")
                let importedAgain = try await post("name,phone\nWang Wu,13700000000\n", type: "text/csv").1
                #expect(importedAgain["created"] as? Int == 1, "the refused import left no Wang Wu behind")
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

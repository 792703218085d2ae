import BrokerHarness
import Foundation
import Hummingbird
import MallDomain
import ServiceLifecycle
import Services
import SyncCore
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `POST /v1/admin/imports/{kind}` at the hub: CSV or JSON, all or nothing,
/// reaching the nodes that decide with what was imported.
@Suite struct ImportAPITests {
    @Test func importsReachTheLoungeAndTheGateAndABadOneChangesNothing() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: [
            "l1": .init(mall: InMemoryFleet.mall, role: .lounge), "g1": .init(mall: InMemoryFleet.mall, role: .gate),
        ])
        let (desk, deskService) = try fleet.node("l1", role: .lounge)
        let (gate, gateService) = try fleet.node("g1", role: .gate)
        let group = ServiceGroup(
            configuration: .init(services: [hubService, deskService, gateService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            try await ServedHub.serve(hub, logger: fleet.quiet) { served in
                func post(_ body: String, type: String, kind: String = "members") async throws -> (Int, [String: Any]) {
                    try await served.send(
                        "POST", "/v1/admin/imports/\(kind)?mall=\(InMemoryFleet.mall)", body: body, contentType: type)
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
                let members = try #require(summary["records"] as? [[String: Any]])
                let zhang = try #require(members.first { ($0["rows"] as? [Int]) == [1, 2] }?["key"] as? String)
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

                // Her car and a booking for it, named by phone and by card, with local times.
                let vehicles = try await post("phone,plate\n13800138000,沪A·D1234\n", type: "text/csv", kind: "vehicles")
                #expect(vehicles.0 == 201, "\(vehicles.1)")
                let now = Date()
                let iso = ISO8601DateFormatter()
                iso.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
                let bookings = """
                    reservation_id,card_no,plate,zone,window_start,window_end
                    bk-1001,C-001,沪AD1234,B2,\(iso.string(from: now - 1800)),\(iso.string(from: now + 7200))
                    """
                let booked = try await post(bookings, type: "text/csv", kind: "reservations")
                #expect(booked.0 == 201, "\(booked.1)")
                #expect(
                    await eventually { (try? await gate.row(table: "reservations", key: "bk-1001"))?.isVisible == true }
                )
                let entry = try await gate.decideGate(
                    GateRead(
                        lane: "north-1", direction: .entering,
                        plate: PlateMatcher.Read(text: "沪AD1234", confidence: 0.97)))
                #expect(entry.decision.verdict == .admit)
                #expect(
                    try await hub.coordinator.row(table: "vehicles", key: "v-沪AD1234")?.values["member_id"]
                        == .text(zhang))

                #expect(
                    await eventually {
                        (try? await hub.coordinator.row(table: "reservations", key: "bk-1001"))?.values["status"]
                            == .text("inside")
                    })
                // A booking file with a garbled plate, an unknown card and a car that is
                // already inside (whose status the import may not set) is refused whole.
                let bad = """
                    reservation_id,card_no,plate,zone,window_start,window_end,status
                    bk-1002,C-001,沪A??,B2,\(iso.string(from: now)),\(iso.string(from: now + 3600)),
                    bk-1003,C-404,沪AD1234,B2,\(iso.string(from: now)),\(iso.string(from: now + 3600)),
                    bk-1001,C-001,沪AD1234,B3,\(iso.string(from: now)),\(iso.string(from: now + 3600)),cancelled
                    bk-1004,C-002,沪BF5678,B2,\(iso.string(from: now)),\(iso.string(from: now + 3600)),
                    """
                let (badStatus, badReport) = try await post(bad, type: "text/csv", kind: "reservations")
                #expect(badStatus == 422)
                let problems = try #require(badReport["rows"] as? [[String: Any]])
                #expect(problems.compactMap { $0["row"] as? Int } == [1, 2, 3])
                #expect(problems.compactMap { $0["field"] as? String } == ["plate", "card_no", "status"])
                #expect(
                    try await hub.coordinator.row(table: "reservations", key: "bk-1004") == nil, "nothing half-imported"
                )
                #expect(
                    try await hub.coordinator.row(table: "reservations", key: "bk-1001")?.values["zone"] == .text("B2"))
                #expect(try await post("x", type: "text/csv", kind: "parking-fines").0 == 404)
                // A booking deleted at the hub cannot come back under its id (its delete would win).
                try await hub.coordinator.write(
                    [.delete("reservations", "bk-1001")], mall: InMemoryFleet.mall, decision: "test")
                let again = """
                    reservation_id,card_no,plate,zone,window_start,window_end
                    bk-1001,C-001,沪AD1234,B2,\(iso.string(from: now)),\(iso.string(from: now + 3600))
                    """
                let (deletedStatus, deletedReport) = try await post(again, type: "text/csv", kind: "reservations")
                #expect(deletedStatus == 422)
                #expect(
                    (deletedReport["rows"] as? [[String: Any]])?.first?["problem"] as? String
                        == "bk-1001 was deleted; a deleted record does not come back under the same key")
                // Bodies that are not an import at all are refused before any row is read.
                #expect(try await post(#"{"rows": {"name": "x"}}"#, type: "application/json").0 == 400)
                #expect(try await post(#"{"rows": [{"name": ["x"]}]}"#, type: "application/json").0 == 400)
                #expect(try await post(#"{"rows": [], "extra": 1}"#, type: "application/json").0 == 400)
                #expect(try await post("name,phone\n\"unterminated,1\n", type: "text/csv").0 == 400)
                let elsewhere = try await served.send(
                    "POST", "/v1/admin/imports/members?mall=mall-nowhere", body: "name,phone\nA,13811112222\n",
                    contentType: "text/csv")
                #expect(elsewhere.0 == 422)
                #expect(ServedNode.message(elsewhere.1).contains("mall-nowhere"), "\(elsewhere.1)")
                let unauthorised = try await served.send(
                    "POST", "/v1/admin/imports/members?mall=\(InMemoryFleet.mall)", body: "name,phone\nA,13811112222\n",
                    contentType: "text/csv", token: "not-the-token")
                #expect(unauthorised.0 == 401 || unauthorised.0 == 403)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

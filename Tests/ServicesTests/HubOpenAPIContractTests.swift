import BrokerHarness
import Foundation
import MallDomain
import ServiceLifecycle
import Services
import SyncCore
import Testing

/// Keeps `sync-protocol/hub-api.openapi.json` true, as `OpenAPIContractTests`
/// does for the node: every route the hub serves is documented and nothing
/// else is; every documented example is sent to a real hub and its answer
/// checked against the documented status and schema; and every body with an
/// unknown field or of the wrong shape is refused with a documented 400 and
/// changes nothing.
@Suite struct HubOpenAPIContractTests {
    static let document = OpenAPIDocument(named: "hub-api.openapi.json")

    @Test func everyRouteIsDocumentedAndNothingElse() throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let hub = try fleet.hub(fleet: ["c1": .init(mall: InMemoryFleet.mall, role: .gift)], metrics: HubMetrics()).0
        let served = OpenAPIDocument.routeNames(
            HubAPI.router(hub: hub).routes.map { ("\($0.method)", $0.path.description) })
        let documented = Set(Self.document.operations.map(\.name))
        #expect(served.subtracting(documented) == [], "served but not documented")
        #expect(documented.subtracting(served) == [], "documented but not served")
    }

    @Test func everyExampleGetsItsDocumentedAnswer() async throws {
        try await withServedHub { served in
            for operation in Self.document.operations where operation.expectedStatus != nil {
                let (status, data) = try await served.raw(
                    operation.method, operation.examplePath, body: operation.example,
                    token: try await token(operation, served))
                try Self.document.check(operation, status: status, body: data)
            }
        }
    }

    @Test func everyBodyWithAnUnknownFieldOrTheWrongShapeIsRefusedAndChangesNothing() async throws {
        try await withServedHub { served in
            for operation in Self.document.operations {
                guard case .object(var example)? = operation.example.flatMap(JSONValue.parse) else { continue }
                let before = try await served.hub.coordinator.digests()
                example["zzUnknown"] = .integer(1)
                let bodies = [
                    OpenAPIDocument.encode(.object(example)), Data("[]".utf8), Data("{".utf8), Data("{}".utf8),
                ]
                for body in bodies {
                    let (status, data) = try await served.raw(
                        operation.method, operation.examplePath, body: body, token: try await token(operation, served))
                    let name = "\(operation.name) with \(String(decoding: body, as: UTF8.self))"
                    #expect(status == 400, "\(name): \(String(decoding: data, as: UTF8.self))")
                    #expect(operation.spec["responses"]?["400"] != nil, "\(name): 400 not documented")
                }
                #expect(try await served.hub.coordinator.digests() == before, "\(operation.path) changed data")
            }
        }
    }

    /// Every admin and console route sits behind the authentication
    /// middleware of its group: with no token, or a forged one, it answers
    /// 401 before its handler runs, and changes nothing.
    @Test func everyAdminAndConsoleRouteRefusesNoTokenAndAForgedOne() async throws {
        let guarded = Self.document.operations.filter { ["admin", "console"].contains($0.auth) }
        #expect(guarded.count >= 19)
        try await withServedHub { served in
            for operation in guarded {
                let before = try await served.hub.coordinator.digests()
                for token in [nil, "forged-token-0123456789abcdef"] as [String?] {
                    let body = ["GET", "DELETE"].contains(operation.method) ? nil : operation.example
                    let (status, data) = try await served.raw(
                        operation.method, operation.examplePath, body: body, token: token)
                    #expect(
                        status == 401,
                        "\(operation.name) with \(token ?? "no token"): \(String(decoding: data, as: UTF8.self))")
                }
                #expect(try await served.hub.coordinator.digests() == before, "\(operation.path) changed data")
            }
        }
    }

    /// The credential an operation's `x-malledge.auth` asks for: the admin
    /// token, or a fresh console session (a logout ends the one it uses).
    func token(_ operation: OpenAPIDocument.Operation, _ served: ServedHub) async throws -> String? {
        switch operation.auth {
        case "admin": return InMemoryFleet.adminToken
        case "console":
            let (status, json) = try await served.send(
                "POST", "/v1/console/sessions", body: #"{"operatorId":"op1","password":"correct horse battery"}"#,
                token: nil)
            #expect(status == 201)
            return try #require(json["token"] as? String)
        default: return nil
        }
    }

    /// A hub serving its API, with metrics, the admin token, an operator
    /// `op1` and a gift counter `c1` in its fleet, and member m1 in the mall.
    func withServedHub(_ body: (ServedHub) async throws -> Void) async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let operators = [
            Operator(
                id: "op1", name: "Li Wei", role: .operator,
                passwordHash: try PINHash.make(pin: "correct horse battery", rounds: 1000))
        ]
        let (hub, _) = try fleet.hub(
            fleet: ["c1": .init(mall: InMemoryFleet.mall, role: .gift)], metrics: HubMetrics(), operators: operators)
        try await hub.coordinator.write(
            [
                .insert(
                    "members", "m1", ["name": .text("Zhang San"), "tier": .text("black"), "card_no": .text("C-001")])
            ],
            mall: InMemoryFleet.mall, decision: "fixture")
        try await ServedHub.serve(hub, logger: fleet.quiet, body)
    }
}

/// Rows the nodes' decisions could not use are refused where they enter.
@Suite struct HubRowUsabilityTests {
    @Test(arguments: [
        (#"{"plate":"@@@","status":"booked"}"#, "plate:"),
        (#"{"plate":"沪A12345","status":"teleported"}"#, "column status is not valid"),
    ])
    func aBookingNoGateCouldUseIsRefusedAtTheHub(columns: String, problem: String) async throws {
        try await HubOpenAPIContractTests().withServedHub { served in
            let base = #""member_id":"m1","zone":"B2","window_start":1000,"window_end":2000"#
            let merged = "{\(base)," + columns.dropFirst()
            let body =
                #"{"mall":"mall-x","writes":[{"table":"reservations","key":"r1","op":"insert","columns":\#(merged)}]}"#
            let before = try await served.hub.coordinator.digests()
            let (status, json) = try await served.send("POST", "/v1/admin/rows", body: body)
            #expect(status == 422)
            #expect(ServedNode.message(json).contains(problem), "\(ServedNode.message(json))")
            #expect(try await served.hub.coordinator.digests() == before)
        }
    }

    @Test func anUpdateThatBreaksAGoodBookingIsRefusedToo() async throws {
        try await HubOpenAPIContractTests().withServedHub { served throws in
            let insert =
                #"{"mall":"mall-x","writes":[{"table":"reservations","key":"r1","op":"insert","columns":"#
                + #"{"member_id":"m1","plate":"沪A12345","zone":"B2","window_start":1000,"window_end":2000,"#
                + #""status":"booked"}}]}"#
            #expect(try await served.send("POST", "/v1/admin/rows", body: insert).0 == 201)
            let update =
                #"{"mall":"mall-x","writes":[{"table":"reservations","key":"r1","op":"update","columns":{"plate":"?"}}]}"#
            #expect(try await served.send("POST", "/v1/admin/rows", body: update).0 == 422)
            #expect(
                try await served.hub.coordinator.row(table: "reservations", key: "r1")?.values["plate"]
                    == .text("沪A12345"))
        }
    }
}

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

/// Keeps `sync-protocol/node-api.openapi.json` true: every route the node
/// serves is documented and nothing else is; every documented example is
/// sent to a real node and its answer checked against the documented
/// status and schema; and every body with an unknown field or of the wrong
/// shape is refused with a documented 400 and changes nothing.
@Suite struct OpenAPIContractTests {
    static let document = OpenAPIDocument(named: "node-api.openapi.json")
    static var operations: [OpenAPIDocument.Operation] { document.operations }

    @Test func everyRouteIsDocumentedAndNothingElse() throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        // Each node serves its own role's routes and the shared ones.
        let nodes = try [("g1", Role.gate), ("c1", .gift), ("l1", .lounge)].map { try fleet.node($0, role: $1).0 }
        let served = OpenAPIDocument.routeNames(
            nodes.flatMap { NodeAPI.router(coordinator: $0).routes }.map { ("\($0.method)", $0.path.description) })
        let documented = Set(Self.operations.map(\.name))
        #expect(served.subtracting(documented) == [], "served but not documented")
        #expect(documented.subtracting(served) == [], "documented but not served")
    }

    @Test func everyExampleGetsItsDocumentedAnswer() async throws {
        try await withFixture { nodes, login in
            for operation in Self.operations where operation.expectedStatus != nil {
                let node = nodes[Self.role(of: operation.path)]!
                let token = try await Self.prepare(operation, at: node, login: login)
                let (status, data) = try await node.raw(
                    operation.method, operation.examplePath, body: operation.example, token: token)
                try Self.document.check(operation, status: status, body: data)
            }
        }
    }

    /// Every route documented as needing a token sits behind the
    /// authentication middleware: with none, or a forged one, it answers 401
    /// before its handler runs, and changes nothing.
    @Test func everyRouteThatNeedsATokenRefusesNoneAndAForgedOne() async throws {
        try await withFixture { nodes, _ in
            for operation in Self.operations where operation.spec["x-malledge"]?["auth"]?.string != "none" {
                let node = nodes[Self.role(of: operation.path)]!
                let before = try await node.node.digests()
                for token in [nil, "forged-token-0123456789abcdef"] as [String?] {
                    let body =
                        ["GET", "DELETE"].contains(operation.method) ? nil : operation.example ?? Data("{}".utf8)
                    let (status, data) = try await node.raw(operation.method, operation.path, body: body, token: token)
                    #expect(
                        status == 401,
                        "\(operation.method) \(operation.path) with \(token ?? "no token"): \(String(decoding: data, as: UTF8.self))"
                    )
                }
                #expect(try await node.node.digests() == before, "\(operation.path) changed data")
            }
        }
    }

    @Test func everyBodyWithAnUnknownFieldOrTheWrongShapeIsRefusedAndChangesNothing() async throws {
        try await withFixture { nodes, login in
            for operation in Self.operations where operation.spec["requestBody"] != nil {
                let node = nodes[Self.role(of: operation.path)]!
                let auth = operation.spec["x-malledge"]?["auth"]?.string
                let token = auth == "manager" ? try await login(node) : auth == "device" ? NodeAPITests.token : nil
                let before = try await node.node.digests()
                let audited = try await node.node.recentAudit(limit: 1000).count
                guard case .object(var example) = JSONValue.parse(operation.example ?? Data()) ?? .null else {
                    continue
                }
                example["zzUnknown"] = .integer(1)
                let bodies = [
                    OpenAPIDocument.encode(.object(example)), Data("[]".utf8), Data("{".utf8), Data("{}".utf8),
                ]
                for body in bodies {
                    let (status, data) = try await node.raw(operation.method, operation.path, body: body, token: token)
                    let name = "\(operation.method) \(operation.path) with \(String(decoding: body, as: UTF8.self))"
                    #expect(status == 400, "\(name): \(String(decoding: data, as: UTF8.self))")
                    #expect(operation.spec["responses"]?["400"] != nil, "\(name): 400 not documented")
                }
                #expect(try await node.node.digests() == before, "\(operation.path) changed data")
                #expect(try await node.node.recentAudit(limit: 1000).count == audited, "\(operation.path) audited")
            }
        }
    }

    /// The token an operation's example is sent with (`x-malledge.auth`),
    /// after sending the example of the operation it comes `after`, if any.
    static func prepare(
        _ operation: OpenAPIDocument.Operation, at node: ServedNode, login: (ServedNode) async throws -> String
    ) async throws -> String? {
        let token: String? =
            switch operation.auth {
            case "device": NodeAPITests.token
            case "manager": try await login(node)
            default: nil
            }
        if let before = operation.spec["x-malledge"]?["after"]?.string,
            let prior = operations.first(where: { $0.path == before && $0.method == "POST" })
        {
            _ = try await node.raw("POST", before, body: prior.example, token: token)
        }
        return token
    }

    static func role(of path: String) -> String {
        path.hasPrefix("/v1/gifts")
            ? "gift" : path.hasPrefix("/v1/lounge") || path.hasPrefix("/lounge") ? "lounge" : "gate"
    }

    /// A hub and a gate, a gift counter and a lounge desk, each served over
    /// HTTP, with a manager who may do everything, a reservation r1 for
    /// 皖A12345 and a member with card C-001.
    func withFixture(_ body: ([String: ServedNode], (ServedNode) async throws -> String) async throws -> Void)
        async throws
    {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let policies = EdgePolicies(deviceTokens: [NodeAPITests.token])
        let members: [NodeID: HubCoordinator.Engine.FleetMember] = [
            "g1": .init(mall: InMemoryFleet.mall, role: .gate), "c1": .init(mall: InMemoryFleet.mall, role: .gift),
            "l1": .init(mall: InMemoryFleet.mall, role: .lounge),
        ]
        let (hub, hubService) = try fleet.hub(fleet: members)
        let (gate, gateService) = try fleet.node("g1", role: .gate, policies: policies)
        let (gift, giftService) = try fleet.node("c1", role: .gift, policies: policies)
        let (lounge, loungeService) = try fleet.node("l1", role: .lounge, policies: policies)
        let group = ServiceGroup(
            configuration: .init(services: [hubService, gateService, giftService, loungeService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            try await hub.coordinator.write(
                [
                    GateDecisionTests.reservation("r1", plate: "皖A12345"),
                    .insert(
                        "members", "m1",
                        [
                            "name": .text("Zhang San"), "tier": .text("black"), "card_no": .text("C-001"),
                            "guests_allowed": .int(2),
                        ]),
                ], mall: InMemoryFleet.mall, decision: "fixture")
            try await hub.coordinator.setStaff(
                mall: InMemoryFleet.mall, id: "s-manager", name: "Manager", roles: [.manager],
                pinHash: try PINHash.make(pin: "135790", rounds: 1000), active: true, actor: "fixture")
            #expect(
                await eventually {
                    let staffArrived = await [gate, gift, lounge].asyncAllSatisfy {
                        (try? await $0.row(table: "staff", key: "s-manager"))?.isVisible == true
                    }
                    let reservation = (try? await gate.row(table: "reservations", key: "r1"))?.isVisible == true
                    let member = (try? await lounge.row(table: "members", key: "m1"))?.isVisible == true
                    return staffArrived && reservation && member
                })
            try await ServedNode.serve(gate, logger: fleet.quiet) { gateServed in
                try await ServedNode.serve(gift, logger: fleet.quiet) { giftServed in
                    try await ServedNode.serve(lounge, logger: fleet.quiet) { loungeServed in
                        try await body(["gate": gateServed, "gift": giftServed, "lounge": loungeServed]) { node in
                            let (_, json) = try await node.post(
                                "/v1/staff/sessions", #"{"staffId":"s-manager","pin":"135790"}"#, token: nil)
                            return try #require(json["token"] as? String)
                        }
                    }
                }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

extension Array where Element: Sendable {
    func asyncAllSatisfy(_ predicate: (Element) async -> Bool) async -> Bool {
        for element in self where !(await predicate(element)) { return false }
        return true
    }
}

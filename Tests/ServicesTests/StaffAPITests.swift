import BrokerHarness
import Foundation
import MallDomain
import ServiceLifecycle
import Services
import SyncCore
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Staff log in at a node with the PIN the hub set; roles decide what they
/// may do, and refusals are audited.
@Suite struct StaffAPITests {
    /// Few rounds keep the test fast; verification reads the rounds from the hash.
    static func pinHash(_ pin: String) throws -> String { try PINHash.make(pin: pin, rounds: 1000) }

    func withGiftCounter(_ body: (Hub, ServedNode) async throws -> Void) async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: ["c1": .init(mall: InMemoryFleet.mall, role: .gift)])
        let (counter, counterService) = try fleet.node(
            "c1", role: .gift, policies: EdgePolicies(deviceTokens: [NodeAPITests.token]))
        let group = ServiceGroup(configuration: .init(services: [hubService, counterService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            try await hub.coordinator.setStaff(
                mall: InMemoryFleet.mall, id: "s1", name: "Li Na", roles: [.giftStaff],
                pinHash: try Self.pinHash("246813"),
                active: true, actor: "test")
            try await hub.coordinator.setStaff(
                mall: InMemoryFleet.mall, id: "s2", name: "Wang Wei", roles: [.manager],
                pinHash: try Self.pinHash("135790"),
                active: true, actor: "test")
            #expect(await eventually { (try? await counter.row(table: "staff", key: "s2"))?.isVisible == true })
            try await ServedNode.serve(counter, logger: fleet.quiet) { try await body(hub, $0) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func login(_ served: ServedNode, _ id: String, _ pin: String) async throws -> (Int, String?) {
        let (status, json) = try await served.post(
            "/v1/staff/sessions", #"{"staffId":"\#(id)","pin":"\#(pin)"}"#, token: nil)
        return (status, json["token"] as? String)
    }

    @Test func aRoleGrantsItsActionsAndARefusalIsAuditedAsPermissionDenied() async throws {
        try await withGiftCounter { hub, served in
            let (status, token) = try await login(served, "s1", "246813")
            #expect(status == 201)
            let clerk = try #require(token)
            // A gift clerk may redeem (this code is refused, but the action is allowed)…
            let (redeemStatus, redeem) = try await served.post(
                "/v1/gifts/redemptions", #"{"code":"MG1:GARBAGE"}"#, token: clerk)
            #expect(redeemStatus == 422)
            #expect(redeem["reason"] as? String == "malformed")
            // …but not read the counter's audit log: permission denied, and audited.
            let (readStatus, read) = try await served.send("GET", "/v1/audit", token: clerk)
            #expect(readStatus == 403)
            #expect(ServedNode.message(read) == "permission denied: staff:s1 may not audit.read")
            // Codes are revoked at the hub only: a counter has no such route.
            #expect(
                try await served.post(
                    "/v1/gifts/revocations", #"{"codeId":"gc-0000000000000001","reason":"test"}"#, token: clerk
                ).0 == 404)
            // The device token of a gift counter grants no staff action.
            let (deviceStatus, _) = try await served.post(
                "/v1/gifts/redemptions", #"{"code":"MG1:X"}"#, token: NodeAPITests.token)
            #expect(deviceStatus == 403)
            // A manager reads the audit log: who, what, where, outcome.
            let (_, managerToken) = try await login(served, "s2", "135790")
            let (auditStatus, audit) = try await served.send("GET", "/v1/audit?limit=20", token: managerToken)
            #expect(auditStatus == 200)
            let entries = try #require(audit["array"] as? [[String: Any]])
            let denied = entries.first {
                $0["outcome"] as? String == "permission denied" && $0["actor"] as? String == "staff:s1"
            }
            #expect(denied?["action"] as? String == "audit.read")
            #expect(denied?["node"] as? String == "c1")
            #expect(
                entries.contains {
                    $0["action"] as? String == "gift.redeem" && $0["outcome"] as? String == "refused: malformed"
                })
            #expect(entries.contains { $0["action"] as? String == "staff.login" && $0["target"] as? String == "s1" })
            // A clerk may not read it.
            #expect(try await served.send("GET", "/v1/audit", token: clerk).0 == 403)
            _ = hub
        }
    }

    @Test func aRoleChangedOrAnAccountDisabledAtTheHubAppliesToOpenSessions() async throws {
        try await withGiftCounter { hub, served in
            let clerk = try #require(try await login(served, "s1", "246813").1)
            #expect(try await served.send("GET", "/v1/audit", token: clerk).0 == 403)
            // Promoted at the hub: the open session may read the audit log once the change arrives.
            try await hub.coordinator.setStaff(
                mall: InMemoryFleet.mall, id: "s1", name: "Li Na", roles: [.giftManager], pinHash: nil, active: true,
                actor: "test")
            #expect(
                await eventually {
                    (try? await served.send("GET", "/v1/audit", token: clerk))?.0 == 200
                })
            // Disabled at the hub: the session ends at the counter.
            try await hub.coordinator.setStaff(
                mall: InMemoryFleet.mall, id: "s1", name: "Li Na", roles: [.giftManager], pinHash: nil, active: false,
                actor: "test")
            #expect(
                await eventually {
                    (try? await served.post("/v1/gifts/redemptions", #"{"code":"MG1:X"}"#, token: clerk))?.0 == 401
                })
            #expect(try await login(served, "s1", "246813").0 == 401)
        }
    }

    @Test func wrongPINsLockTheIdAndLoggingOutEndsTheSession() async throws {
        try await withGiftCounter { _, served in
            #expect(try await login(served, "nobody", "0000").0 == 401)
            for _ in 0..<5 { #expect(try await login(served, "s1", "9999").0 == 401) }
            let (locked, _) = try await login(served, "s1", "246813")
            #expect(locked == 429)
            let (status, token) = try await login(served, "s2", "135790")
            #expect(status == 201)
            #expect(try await served.send("DELETE", "/v1/staff/sessions/current", token: token).0 == 204)
            #expect(try await served.send("GET", "/v1/audit", token: token).0 == 401)
        }
    }

    @Test func badLoginBodiesAreRefusedWithTheField() async throws {
        try await withGiftCounter { _, served in
            for (body, expected) in [
                (#"{"staffId":"s1"}"#, "field pin: required"), (#"{"staffId":"s1","pin":12}"#, "field pin"),
                (#"{"staffId":"s1","pin":"1"}"#, "4 to 32"),
                (#"{"staffId":"s1","pin":"246813","role":"x"}"#, "unknown field"),
            ] {
                let (status, json) = try await served.post("/v1/staff/sessions", body, token: nil)
                #expect((400...422).contains(status), "\(body)")
                #expect(ServedNode.message(json).contains(expected), "\(body): \(ServedNode.message(json))")
            }
        }
    }

    @Test func twoHundredGuessesAtOnceGetFiveHashesAndNeverTheRightPIN() async throws {
        try await withGiftCounter { _, served in
            // Given 200 guesses sent at once, one of them the right PIN (last),
            let guesses = (0..<200).map { $0 == 199 ? "246813" : String(format: "%04d", 3000 + $0) }
            // (a session of their own: 200 requests queued behind the shared
            // session's few connections outran its 60 s timeout on a loaded run)
            let configuration = URLSessionConfiguration.ephemeral
            configuration.httpMaximumConnectionsPerHost = 200
            configuration.timeoutIntervalForRequest = 600
            let session = URLSession(configuration: configuration)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for pin in guesses {
                    group.addTask {
                        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(served.port)/v1/staff/sessions")!)
                        request.httpMethod = "POST"
                        request.setValue("application/json", forHTTPHeaderField: "content-type")
                        request.httpBody = Data(#"{"staffId":"s1","pin":"\#(pin)"}"#.utf8)
                        let (_, response) = try await session.data(for: request)
                        return (response as! HTTPURLResponse).statusCode
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            // then at most five were checked, the rest were refused at once, none got in,
            #expect(statuses.filter { $0 == 401 }.count <= 5)
            #expect(statuses.filter { $0 == 429 }.count >= 195)
            #expect(!statuses.contains(201))
            // and the audit log holds one lockout entry, not a row per guess.
            let manager = try #require(try await login(served, "s2", "135790").1)
            let (_, audit) = try await served.send("GET", "/v1/audit?limit=1000", token: manager)
            let logins = (audit["array"] as? [[String: Any]] ?? []).filter {
                $0["action"] as? String == "staff.login" && $0["target"] as? String == "s1"
            }
            #expect(logins.count == 1)
            #expect((logins.first?["outcome"] as? String)?.hasPrefix("locked until") == true)
        }
    }

    @Test func noTokenReadsAPINHashThroughTheRowAPI() async throws {
        try await withGiftCounter { _, served in
            let clerk = try #require(try await login(served, "s1", "246813").1)
            for token in [NodeAPITests.token, clerk] {
                let (status, row) = try await served.send("GET", "/v1/rows/staff/s2", token: token)
                #expect(status == 200)
                let columns = try #require(row["columns"] as? [String: Any])
                #expect(columns["name"] as? String == "Wang Wei")
                #expect(columns["pin_hash"] == nil)
            }
        }
    }

    @Test func aFourDigitPINSetBeforeTheRuleMatchesButMustBeSetAgain() async throws {
        try await withGiftCounter { hub, served in
            // Given a clerk whose PIN was set as four digits before PINs had six,
            try await hub.coordinator.setStaff(
                mall: InMemoryFleet.mall, id: "s3", name: "Zhao Lei", roles: [.giftStaff],
                pinHash: try Self.pinHash("2468"), active: true, actor: "test")
            #expect(
                await eventually { (try? await served.node.row(table: "staff", key: "s3"))?.isVisible == true })
            // the right PIN opens no session and says why; a wrong one is an ordinary failure.
            let (status, json) = try await served.post(
                "/v1/staff/sessions", #"{"staffId":"s3","pin":"2468"}"#, token: nil)
            #expect(status == 403)
            #expect(ServedNode.message(json).contains("at least 6 digits"))
            #expect(try await login(served, "s3", "1111").0 == 401)
        }
    }
}

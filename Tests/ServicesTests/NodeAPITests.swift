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

/// The node's local API over real HTTP, as the gate controller calls it.
@Suite struct NodeAPITests {
    static let token = "test-device-token-0001"

    /// A gate node holding reservation r1 (issued at the hub: a gate may not
    /// book), served over HTTP while `body` runs.
    func withGateNode(_ body: (ServedNode) async throws -> Void) async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: ["g1": .init(mall: InMemoryFleet.mall, role: .gate)])
        let (node, nodeService) = try fleet.node("g1", policies: EdgePolicies(deviceTokens: [Self.token]))
        let group = ServiceGroup(configuration: .init(services: [hubService, nodeService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            try await hub.coordinator.write(
                [GateDecisionTests.reservation("r1", plate: "皖A12345")], mall: InMemoryFleet.mall, decision: "seed")
            #expect(await eventually { (try? await node.row(table: "reservations", key: "r1"))?.isVisible == true })
            try await ServedNode.serve(node, logger: fleet.quiet, body)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func aReservedCarIsAdmittedWithTheEvidenceRecorded() async throws {
        try await withGateNode { served in
            let (status, json) = try await served.post(
                "/v1/gate/reads",
                #"{"lane":"north-1","direction":"in","plate":"皖A·12345","confidence":0.96,"characterConfidences":[0.99,0.99,0.98,0.97,0.99,0.95,0.99]}"#
            )
            #expect(status == 201)
            #expect(json["decision"] as? String == "admit")
            #expect(json["reason"] as? String == "reservation valid")
            #expect((json["reservation"] as? [String: Any])?["id"] as? String == "r1")
            #expect((json["plate"] as? [String: Any])?["normalized"] as? String == "皖A12345")
            #expect((json["match"] as? [String: Any])?["rule"] as? String == "exact")
            let passage = try #require(json["passage"] as? String)
            let row = try #require(try await served.node.row(table: "gate_passages", key: passage)).values
            #expect(row["plate_raw"] == .text("皖A·12345"))
            #expect(row["character_confidences"] == .text("[990,990,980,970,990,950,990]"))
            #expect(row["reason"] == .text("reservation valid"))
            #expect(try await served.node.row(table: "reservations", key: "r1")?.values["status"] == .text("inside"))
        }
    }

    @Test func candidatesCarryTheirLikelihoodsIntoTheDecisionAndThePassage() async throws {
        try await withGateNode { served in
            // Given a car read as 皖A1234S with the reservation's plate a close
            // second (and an older camera's plain-string alternative beside it),
            let (status, json) = try await served.post(
                "/v1/gate/reads",
                #"{"lane":"n","direction":"in","plate":"皖A1234S","confidence":0.5,"alternatives":[{"plate":"皖A12345","likelihood":0.45},"皖A12346"]}"#
            )
            // then the likelihood admits it as a confusion, and the passage keeps both candidates.
            #expect(status == 201)
            #expect(json["decision"] as? String == "admit")
            let match = try #require(json["match"] as? [String: Any])
            #expect(match["rule"] as? String == "confusion:7:S>5")
            #expect((match["probability"] as? Double ?? 0) >= 0.9)
            let passage = try #require(json["passage"] as? String)
            let row = try #require(try await served.node.row(table: "gate_passages", key: passage)).values
            #expect(row["alternatives"] == .text(#"[{"likelihood":450,"plate":"皖A12345"},{"plate":"皖A12346"}]"#))
        }
    }

    @Test func aNeighbourWithTheReservationAsADecoyIsNotAdmitted() async throws {
        try await withGateNode { served in
            for alternatives in [#"[{"plate":"皖A12345","likelihood":0.03}]"#, #"["皖A12345"]"#] {
                let (status, json) = try await served.post(
                    "/v1/gate/reads",
                    #"{"lane":"n","direction":"in","plate":"皖A1234S","confidence":0.97,"characterConfidences":[0.97,0.98,0.97,0.96,0.99,0.97,0.95],"alternatives":\#(alternatives)}"#
                )
                #expect(status == 201)
                #expect(json["decision"] as? String == "refer", "\(alternatives)")
                #expect(json["suggestions"] as? [String] == ["皖A12345"], "\(alternatives)")
            }
        }
    }

    @Test func garbageFromTheCameraIsDecidedNotCrashed() async throws {
        try await withGateNode { served in
            for plate in ["", "\\u0000\\u0007💥", "DROP TABLE rows;", "皖А12345"] {
                let (status, json) = try await served.post(
                    "/v1/gate/reads", #"{"lane":"n","direction":"in","plate":"\#(plate)","confidence":0.9}"#)
                #expect(status == 201, "\(plate)")
                #expect(json["decision"] as? String == "deny", "\(plate)")
                #expect(json["reason"] as? String == "plate unreadable", "\(plate)")
                #expect((json["plate"] as? [String: Any])?["error"] is String, "\(plate)")
            }
        }
    }

    @Test func theGateControllerMayReadButNotOverride() async throws {
        try await withGateNode { served in
            let (status, json) = try await served.post(
                "/v1/gate/overrides", #"{"lane":"n","direction":"in","plate":"皖A12345","reason":"VIP guest"}"#)
            #expect(status == 403)
            #expect(ServedNode.message(json) == "permission denied: device:g1 may not gate.override")
            // A staff member with the role may: the passage is an admit by rule override.
            let (key, reservation) = try await served.node.overrideGate(
                lane: "n", direction: .entering, plate: "皖A12345", reservationID: "r1", reason: "camera fogged",
                caller: .device(node: "g1", permissions: [.gateOverride]))
            #expect(reservation?.id == "r1")
            let passage = try #require(try await served.node.row(table: "gate_passages", key: key)).values
            #expect(passage["rule"] == .text("override"))
            #expect(passage["decision"] == .text("admit"))
            #expect(try await served.node.row(table: "reservations", key: "r1")?.values["status"] == .text("inside"))
            await #expect(throws: GateOverrideError.self) {
                try await served.node.overrideGate(
                    lane: "n", direction: .entering, plate: "x", reservationID: "nope", reason: "test",
                    caller: .device(node: "g1", permissions: [.gateOverride]))
            }
        }
    }

    /// Each bad request gets a 4xx naming what is wrong, and changes nothing.
    @Test func badRequestsAreRefusedAndChangeNothing() async throws {
        let valid = #""lane":"n","direction":"in","plate":"皖A12345","confidence":0.9"#
        let cases: [(String, String?, Int, String)] = [
            ("{\(valid)}", nil, 401, "send the device token"),
            ("{\(valid)}", "wrong-token-wrong-token", 401, "unknown or expired token"),
            ("{\"lane\":", Self.token, 400, "not valid JSON"),
            ("[1,2]", Self.token, 400, "expected a JSON object"),
            (#"{"lane":"n","direction":"in","plate":"皖A12345","confidence":"high"}"#, Self.token, 400, "confidence"),
            (#"{"lane":"n","direction":"in","confidence":0.9}"#, Self.token, 400, "field plate: required"),
            ("{\(valid),\"speed\":3}", Self.token, 400, "field speed: unknown field"),
            (#"{"lane":"n","direction":"sideways","plate":"x","confidence":0.9}"#, Self.token, 422, "direction"),
            (#"{"lane":"n","direction":"in","plate":"x","confidence":1.5}"#, Self.token, 422, "confidence"),
            ("{\(valid),\"alternatives\":[1]}", Self.token, 400, "alternatives[0]"),
            (
                "{\(valid),\"alternatives\":[{\"plate\":\"x\",\"likelihood\":1.5}]}", Self.token, 422,
                "a likelihood is a number from 0 to 1"
            ),
            (
                "{\(valid),\"alternatives\":[{\"plate\":\"x\"}]}", Self.token, 400,
                "alternatives[0].likelihood: required"
            ),
            (
                "{\(valid),\"alternatives\":[{\"plate\":\"x\",\"likelihood\":0.1,\"score\":2}]}", Self.token, 400,
                "unknown field"
            ),
            (
                "{\(valid),\"alternatives\":[" + Array(repeating: "\"x\"", count: 11).joined(separator: ",") + "]}",
                Self.token, 422, "at most 10 candidates"
            ),
            ("{\(valid),\"characterConfidences\":[2]}", Self.token, 422, "characterConfidences"),
        ]
        try await withGateNode { served in
            let before = await served.node.syncState().outboxDepth
            for (body, token, expected, message) in cases {
                let (status, json) = try await served.post("/v1/gate/reads", body, token: token)
                let text = (json["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(status == expected, "\(body)")
                #expect(text.contains(message), "\(body): \(text)")
            }
            let huge = try await served.post(
                "/v1/gate/reads",
                body: Data(("{\(valid),\"lane\":\"" + String(repeating: "x", count: 70_000) + "\"}").utf8))
            #expect(huge.0 == 413)
            #expect(await served.node.syncState().outboxDepth == before)
        }
    }
}

import BrokerHarness
import Foundation
import Testing

/// The edge decisions as their users meet them: real `mall-hub` and
/// `mall-node` processes over a real Mosquitto, the hub driven by its own
/// commands, the nodes by HTTP.
@Suite(.serialized) struct EdgeDecisionFleetTests {
    @Test func aGiftCodeIssuedByTheCommandIsRedeemedOnceAtACounter() async throws {
        let fleet = try await Fleet(nodes: [("counter-1", "gift")])
        defer { fleet.stopAll() }
        try await fleet.startAll()
        // Given a clerk and a code made with the hub's commands,
        let staff = try await fleet.hubCommand([
            "staff", "s1", "--mall", Fleet.mall, "--name", "Li Na", "--roles", "gift-staff", "--pin", "246813",
        ])
        #expect(staff.status == 0, "\(staff.output)")
        let issued = try await fleet.hubCommand([
            "gift", "issue", "--mall", Fleet.mall, "--member", "m-7", "--gift", "tea-set", "--days", "3",
        ])
        #expect(issued.status == 0, "\(issued.output)")
        let text = try #require(issued.output.split(separator: "\n").first { $0.hasPrefix("MG2:") }.map(String.init))
        let codeID = try #require(issued.output.split(separator: " ").first { $0.hasPrefix("gc-") }.map(String.init))
        #expect(text.count <= 221)
        #expect(
            await eventually(seconds: 60) {
                let code = await fleet.has("counter-1", table: "gift_codes", key: codeID)
                let clerk = await fleet.has("counter-1", table: "staff", key: "s1")
                return code && clerk
            })
        // when the clerk logs in at the counter and scans it twice,
        let (loginStatus, session) = try await fleet.send(
            "POST", to: "counter-1", "/v1/staff/sessions", ["staffId": "s1", "pin": "246813"], token: "")
        #expect(loginStatus == 201)
        let token = try #require(session["token"] as? String)
        let (first, redeemed) = try await fleet.send(
            "POST", to: "counter-1", "/v1/gifts/redemptions", ["code": text], token: token)
        let (second, refused) = try await fleet.send(
            "POST", to: "counter-1", "/v1/gifts/redemptions", ["code": text], token: token)
        // then the first is redeemed and the second refused with where.
        #expect(first == 201)
        #expect(redeemed["outcome"] as? String == "redeemed")
        #expect(redeemed["gift"] as? String == "tea-set")
        #expect(second == 422)
        #expect(refused["reason"] as? String == "already redeemed here")
        #expect((refused["previous"] as? [String: Any])?["counter"] as? String == "counter-1")
        // Revoking a code the hub never issued fails with the hub's reason.
        let unknown = try await fleet.hubCommand(["gift", "revoke", "gc-0000000000000001", "--reason", "test"])
        #expect(unknown.status != 0)
        #expect(unknown.output.contains("no gift code gc-0000000000000001"), "\(unknown.output)")
        #expect(await fleet.converged())
    }

    @Test func staffRolesAndImportsAreManagedFromTheTerminal() async throws {
        let fleet = try await Fleet(nodes: [("lounge-1", "lounge")])
        defer { fleet.stopAll() }
        try await fleet.startAll()
        let saved = try await fleet.hubCommand([
            "staff", "s1", "--mall", Fleet.mall, "--name", "Li Na", "--roles", "lounge-staff,gift-staff", "--pin",
            "246813",
        ])
        #expect(saved.status == 0, "\(saved.output)")
        let listed = try await fleet.hubCommand(["staff", "list", "--mall", Fleet.mall])
        let line = listed.output.split(separator: "\n").first { $0.hasPrefix("s1 ") }.map(String.init) ?? ""
        #expect(
            line.contains("Li Na") && line.contains("gift-staff,lounge-staff") && line.hasSuffix(" active"), "\(listed)"
        )
        let roles = try await fleet.hubCommand(["staff", "roles"])
        #expect(roles.output.contains("audit.read, gift.redeem"), "\(roles.output)")
        // Disabling the account is a change like any other.
        let disabled = try await fleet.hubCommand([
            "staff", "s1", "--mall", Fleet.mall, "--name", "Li Na", "--roles", "lounge-staff", "--inactive",
        ])
        #expect(disabled.status == 0)
        let relisted = try await fleet.hubCommand(["staff", "list"]).output
        #expect(
            relisted.split(separator: "\n").contains { $0.hasPrefix("s1 ") && $0.hasSuffix(" inactive") }, "\(relisted)"
        )

        // A member file imports; a file with a bad row imports nothing and says which row.
        let good = fleet.directory.appendingPathComponent("members.csv").path
        try "name,phone,card_no,tier\nZhang San,13800138000,C-001,gold\n".write(
            toFile: good, atomically: true, encoding: .utf8)
        let imported = try await fleet.hubCommand(["import", "members", good, "--mall", Fleet.mall])
        #expect(imported.output.contains("members: 1 created, 0 updated"), "\(imported.output)")
        let bad = fleet.directory.appendingPathComponent("bad.json").path
        try #"{"rows":[{"name":"Wang Wu","phone":"13700000000"},{"name":"Nobody"}]}"#.write(
            toFile: bad, atomically: true, encoding: .utf8)
        let refused = try await fleet.hubCommand(["import", "members", bad, "--mall", Fleet.mall])
        #expect(refused.status != 0)
        #expect(refused.output.contains("row 2: needs a phone or a card number"), "\(refused.output)")
        #expect(await fleet.converged())
    }

    @Test func aReservedCarEntersAtOneGateAndIsReferredAtTheOther() async throws {
        let fleet = try await Fleet(nodes: [("gate-1", "gate"), ("gate-2", "gate")])
        defer { fleet.stopAll() }
        try await fleet.startAll()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let inserted = try await fleet.hubInsert(
            table: "reservations", key: "r-1",
            columns: [
                "member_id": "m-1", "plate": "沪A·D1234", "zone": "B2", "window_start": now - 600_000,
                "window_end": now + 3_600_000, "status": "booked",
            ])
        #expect(inserted == 201)
        #expect(
            await eventually(seconds: 60) {
                let first = await fleet.has("gate-1", table: "reservations", key: "r-1")
                let second = await fleet.has("gate-2", table: "reservations", key: "r-1")
                return first && second
            })
        let read: [String: Any] = ["lane": "in-1", "direction": "in", "plate": "沪AD1234", "confidence": 0.95]
        let (status, admitted) = try await fleet.send(
            "POST", to: "gate-1", "/v1/gate/reads", read, token: fleet.deviceToken(for: "gate-1"))
        #expect(status == 201)
        #expect(admitted["decision"] as? String == "admit")
        // Once the entry has reached gate-2, the same plate there is a clone or a missed exit.
        #expect(
            await eventually(seconds: 60) {
                let row = try? await fleet.send(
                    "GET", to: "gate-2", "/v1/rows/reservations/r-1", token: fleet.deviceToken(for: "gate-2"))
                return (row?.1["columns"] as? [String: Any])?["status"] as? String == "inside"
            })
        let (_, referred) = try await fleet.send(
            "POST", to: "gate-2", "/v1/gate/reads", read, token: fleet.deviceToken(for: "gate-2"))
        #expect(referred["decision"] as? String == "refer")
        #expect(referred["reason"] as? String == "already inside")
        #expect(await fleet.converged())
    }
}

extension EdgeDecisionFleetTests {
    @Test func aDoubleEntryMadeWhileAGateWasCutOffIsSettledWithTheConflictsCommand() async throws {
        let fleet = try await Fleet(nodes: [("gate-1", "gate"), ("gate-2", "gate")])
        defer { fleet.stopAll() }
        try await fleet.startAll()
        let (key, southPassage) = try await Self.makeDoubleEntryWhileGate2IsCutOff(fleet)
        // then the operator sees the double entry with the command…
        #expect(
            await eventually(seconds: 60) {
                (try? await fleet.hubCommand(["conflicts", "--open"]))?.output.contains(key) == true
            })
        // …and overrides it (the car really came in at the south gate); the decision reaches both gates.
        let resolved = try await fleet.hubCommand([
            "conflicts", "resolve", key, "--override", southPassage, "--note", "camera log shows the south gate",
        ])
        #expect(resolved.status == 0, "\(resolved.output)")
        for gate in ["gate-1", "gate-2"] {
            #expect(await Self.gate(gate, of: fleet, holds: key, settledFor: southPassage, by: "admin"), "\(gate)")
        }
        #expect(try await fleet.hubCommand(["conflicts", "--open"]).output.contains("no conflicts"))
        let wrong = try await fleet.hubCommand(["conflicts", "resolve", key, "--override", "gp-nobody", "--note", "x"])
        #expect(wrong.status != 0)
        #expect(wrong.output.contains("not one of the conflict's sides"), "\(wrong.output)")
    }

    /// A reservation booked at the hub and synced to both gates; then the car enters
    /// at gate-1 and, while gate-2 runs cut off from the broker, at gate-2;
    /// gate-2 comes back. Returns the conflict's key and gate-2's passage.
    static func makeDoubleEntryWhileGate2IsCutOff(_ fleet: Fleet) async throws -> (key: String, southPassage: String) {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(
            try await fleet.hubInsert(
                table: "reservations", key: "r-1",
                columns: [
                    "member_id": "m-1", "plate": "沪A·D1234", "zone": "B2", "window_start": now - 600_000,
                    "window_end": now + 3_600_000, "status": "booked",
                ]) == 201)
        #expect(
            await eventually(seconds: 60) {
                let first = await fleet.has("gate-1", table: "reservations", key: "r-1")
                let second = await fleet.has("gate-2", table: "reservations", key: "r-1")
                return first && second
            })
        // Given gate-2 runs cut off from the broker while the car enters at both gates,
        await fleet.stopNode("gate-2")
        try fleet.writeNodeConfig("gate-2", brokerPort: try FreePort.next())
        try await fleet.startNode("gate-2")
        let read: [String: Any] = ["lane": "in-1", "direction": "in", "plate": "沪AD1234", "confidence": 0.95]
        let (_, north) = try await fleet.send(
            "POST", to: "gate-1", "/v1/gate/reads", read, token: fleet.deviceToken(for: "gate-1"))
        let (_, south) = try await fleet.send(
            "POST", to: "gate-2", "/v1/gate/reads", read, token: fleet.deviceToken(for: "gate-2"))
        #expect(north["decision"] as? String == "admit")
        #expect(south["decision"] as? String == "admit")
        let southPassage = try #require(south["passage"] as? String)
        await fleet.stopNode("gate-2")
        try fleet.writeNodeConfig("gate-2", brokerPort: fleet.broker.port)
        try await fleet.startNode("gate-2")
        return ("parking.double-entry:r-1", southPassage)
    }

    /// Whether `gate`'s replica holds the conflict as settled for `winner` by
    /// `actor`, within a minute.
    static func gate(_ gate: String, of fleet: Fleet, holds key: String, settledFor winner: String, by actor: String)
        async -> Bool
    {
        await eventually(seconds: 60) {
            let row = try? await fleet.send(
                "GET", to: gate, "/v1/rows/conflicts/\(key)", token: fleet.deviceToken(for: gate))
            let columns = row?.1["columns"] as? [String: Any]
            return columns?["status"] as? String == "resolved" && columns?["winner"] as? String == winner
                && columns?["resolved_by"] as? String == actor
        }
    }
}

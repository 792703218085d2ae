import BrokerHarness
import Foundation
import Testing

/// Every process must start again on its own data after any day of
/// activity. A hub that crashed at every start once a car had been admitted
/// (a trap while rebuilding its scalper watch) is the class of bug this
/// catches: each kind of decision is made, then every process is killed and
/// started again, twice.
/// In the edge-decision suite, so it runs one at a time with the other fleets.
extension EdgeDecisionFleetTests {
    @Test func everyProcessStartsAgainAfterEveryKindOfDecisionAndGoesOnDeciding() async throws {
        let fleet = try await Fleet(nodes: [("gate-1", "gate"), ("gift-1", "gift"), ("lounge-1", "lounge")])
        defer { fleet.stopAll() }
        try await fleet.startAll()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // The hub's side of the day: staff, a member, a reservation, a gift code.
        for (id, roles) in [("s1", "gift-staff,lounge-staff"), ("s2", "lounge-staff")] {
            let saved = try await fleet.hubCommand([
                "staff", id, "--mall", Fleet.mall, "--name", "Staff \(id)", "--roles", roles, "--pin", "246813",
            ])
            #expect(saved.status == 0, "\(saved.output)")
        }
        #expect(
            try await fleet.hubInsert(
                table: "members", key: "m-1",
                columns: ["name": "Wang Fang", "tier": "gold", "card_no": "C-001", "guests_allowed": 2]) == 201)
        #expect(
            try await fleet.hubInsert(
                table: "reservations", key: "r-1",
                columns: [
                    "member_id": "m-1", "plate": "沪A·D1234", "zone": "B2", "window_start": now - 600_000,
                    "window_end": now + 3_600_000, "status": "booked",
                ]) == 201)
        let issued = try await fleet.hubCommand([
            "gift", "issue", "--mall", Fleet.mall, "--member", "m-1", "--gift", "tea-set", "--days", "3",
        ])
        #expect(issued.status == 0, "\(issued.output)")
        let code = try #require(issued.output.split(separator: "\n").first { $0.hasPrefix("MG2:") }.map(String.init))
        #expect(
            await eventually(seconds: 60) {
                let gate = await fleet.has("gate-1", table: "reservations", key: "r-1")
                let gift = await fleet.has("gift-1", table: "staff", key: "s1")
                let lounge = await fleet.has("lounge-1", table: "members", key: "m-1")
                let staff = await fleet.has("lounge-1", table: "staff", key: "s2")
                return gate && gift && lounge && staff
            })

        // Every kind of decision at the edge.
        try await decideEverything(at: fleet, code: code)

        // kill -9 of every process, then a graceful restart: each time all
        // start on their own data and go on deciding.
        for signal in [SIGKILL, SIGTERM] {
            await fleet.stopHub(signal: signal)
            for id in ["gate-1", "gift-1", "lounge-1"] { await fleet.stopNode(id, signal: signal) }
            try await fleet.startAll()
            let read: [String: Any] = ["lane": "out-1", "direction": "out", "plate": "沪AD1234", "confidence": 0.95]
            let (exit, _) = try await fleet.send(
                "POST", to: "gate-1", "/v1/gate/reads", read, token: fleet.deviceToken(for: "gate-1"))
            #expect(exit == 201, "gate after \(signal)")
            let (login, session) = try await fleet.send(
                "POST", to: "lounge-1", "/v1/staff/sessions", ["staffId": "s1", "pin": "246813"], token: "")
            #expect(login == 201, "lounge login after \(signal)")
            let token = session["token"] as? String ?? ""
            let (checkIn, _) = try await fleet.send(
                "POST", to: "lounge-1", "/v1/lounge/check-ins", ["member": "C-001", "guests": 0], token: token)
            #expect(checkIn == 201, "lounge check-in after \(signal)")
            let (checkOut, _) = try await fleet.send(
                "POST", to: "lounge-1", "/v1/lounge/check-outs", ["member": "C-001"], token: token)
            #expect((200...201).contains(checkOut), "lounge check-out after \(signal)")
            #expect(await fleet.converged(), "converged after \(signal)")
        }
    }

    /// A reserved car in, a stranger referred, a code redeemed and refused a
    /// second time, a lounge visit in and out, and a staff id locked out by
    /// wrong PINs (a lock every node of the mall honours).
    func decideEverything(at fleet: Fleet, code: String) async throws {
        let admit: [String: Any] = ["lane": "in-1", "direction": "in", "plate": "沪AD1234", "confidence": 0.95]
        let (admitted, decision) = try await fleet.send(
            "POST", to: "gate-1", "/v1/gate/reads", admit, token: fleet.deviceToken(for: "gate-1"))
        #expect(admitted == 201 && decision["decision"] as? String == "admit")
        let stranger: [String: Any] = ["lane": "in-1", "direction": "in", "plate": "粤B99999", "confidence": 0.97]
        let (strangerStatus, strangerDecision) = try await fleet.send(
            "POST", to: "gate-1", "/v1/gate/reads", stranger, token: fleet.deviceToken(for: "gate-1"))
        #expect(strangerStatus == 201 && strangerDecision["decision"] as? String != "admit")

        let (giftLogin, giftSession) = try await fleet.send(
            "POST", to: "gift-1", "/v1/staff/sessions", ["staffId": "s1", "pin": "246813"], token: "")
        #expect(giftLogin == 201)
        let giftToken = giftSession["token"] as? String ?? ""
        let (redeemed, _) = try await fleet.send(
            "POST", to: "gift-1", "/v1/gifts/redemptions", ["code": code], token: giftToken)
        let (again, _) = try await fleet.send(
            "POST", to: "gift-1", "/v1/gifts/redemptions", ["code": code], token: giftToken)
        #expect(redeemed == 201 && again == 422)

        let (loungeLogin, loungeSession) = try await fleet.send(
            "POST", to: "lounge-1", "/v1/staff/sessions", ["staffId": "s1", "pin": "246813"], token: "")
        #expect(loungeLogin == 201)
        let loungeToken = loungeSession["token"] as? String ?? ""
        let (checkIn, _) = try await fleet.send(
            "POST", to: "lounge-1", "/v1/lounge/check-ins", ["member": "C-001", "guests": 1], token: loungeToken)
        let (checkOut, _) = try await fleet.send(
            "POST", to: "lounge-1", "/v1/lounge/check-outs", ["member": "C-001"], token: loungeToken)
        #expect(checkIn == 201 && (200...201).contains(checkOut))

        var statuses: [Int] = []
        for _ in 0..<7 {
            let (status, _) = try await fleet.send(
                "POST", to: "lounge-1", "/v1/staff/sessions", ["staffId": "s2", "pin": "000000"], token: "")
            statuses.append(status)
        }
        #expect(statuses.contains(401) && statuses.last != 201, "\(statuses)")
    }
}

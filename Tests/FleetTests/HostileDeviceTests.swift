import BrokerHarness
import Foundation
import Logging
import MallDomain
import MosquittoTransport
import SyncCore
import Testing
import Transport

/// A stolen gate, attacking with its own broker credentials under the
/// production broker setup (TLS, passwords, `%u` ACL, client id bound to
/// the username): each class of attack of the trust-boundaries issue, after
/// which every process is up, the honest gate still syncs, the hub's state
/// is unchanged and the refusal is counted in `/metrics`.
@Suite("Hostile device", .serialized)
struct HostileDeviceTests {
    /// One attack: the raw payloads the stolen gate publishes on its own
    /// `up` topic, and the rejection reason `/metrics` must count for it
    /// (nil: taken without being applied, as a race would be).
    struct Attack: CustomStringConvertible {
        var description: String
        var payloads: [String]
        var counted: String?
    }

    static let now = UInt64(Date().timeIntervalSince1970 * 1000)

    static func changes(epoch: String = "7", seq: Int, wall: String = String(now), _ change: String) -> String {
        """
        {"v":1,"type":"changes","node":"gate-1","sentAt":\(now),"changes":[{"id":{"origin":"gate-1",\
        "epoch":\(epoch),"seq":\(seq)},"hlc":[\(wall),0],"channel":"\(Fleet.mall)/parking",\(change)}]}
        """
    }

    static let attacks: [Attack] = [
        Attack(
            description: "an epoch of 2^63", payloads: [changes(epoch: "9223372036854775808", seq: 1, passage("a1"))],
            counted: "invalid"),
        Attack(
            description: "a birth at 2^64-1",
            payloads: [
                #"{"v":1,"type":"birth","node":"gate-1","mall":"\#(Fleet.mall)","role":"gate","epoch":18446744073709551615,"sentAt":1,"cursors":[],"software":"x"}"#
            ], counted: "invalid"),
        Attack(
            description: "a booking window from Int64.min to Int64.max",
            payloads: [
                changes(
                    seq: 1,
                    #""table":"reservations","key":"r-1","op":"update","columns":{"window_start":-9223372036854775808,"window_end":9223372036854775807}"#
                )
            ], counted: "invalid"),
        Attack(
            description: "a fake booking",
            payloads: [
                changes(
                    seq: 1,
                    #""table":"reservations","key":"r-fake","op":"insert","columns":{"plate":"沪A88888","status":"booked"}"#
                )
            ], counted: "unauthorized"),
        Attack(
            description: "a real booking deleted",
            payloads: [changes(seq: 1, #""table":"reservations","key":"r-1","op":"delete","columns":{}"#)],
            counted: "unauthorized"),
        Attack(
            description: "a booking cancelled by a gate",
            payloads: [
                changes(seq: 1, #""table":"reservations","key":"r-1","op":"update","columns":{"status":"cancelled"}"#)
            ], counted: "unauthorized"),
        Attack(
            description: "an audit entry naming another node",
            payloads: [
                """
                {"v":1,"type":"changes","node":"gate-1","sentAt":\(now),"changes":[{"id":{"origin":"gate-1","epoch":7,\
                "seq":1},"hlc":[\(now),0],"channel":"\(Fleet.mall)/audit","table":"audit_log","key":"au-x","op":"insert",\
                "columns":{"actor":"staff:manager","action":"gift.revoke","node":"gate-2","at":\(now)}}]}
                """
            ], counted: "unauthorized"),
        Attack(
            description: "an update stamped 2^52 ms",
            payloads: [
                changes(
                    seq: 1, wall: String(UInt64(1) << 52),
                    #""table":"reservations","key":"r-1","op":"update","columns":{"status":"left"}"#)
            ], counted: "clock-out-of-bounds"),
        Attack(
            description: "garbage on the topic",
            payloads: ["\u{0}\u{1}not json", "{\"v\":1,\"type\":\"changes\"}", "[]"],
            counted: "malformed"),
    ]

    static func passage(_ key: String) -> String {
        #""table":"gate_passages","key":"\#(key)","op":"insert","columns":{"lane":"x","direction":"in","at":1}"#
    }

    @Test func aStolenGateHarmsNothingButItself() async throws {
        let fleet = try await Fleet(nodes: [("gate-1", "gate"), ("gate-2", "gate")], productionACL: true)
        defer { fleet.stopAll() }
        try await fleet.startAll()
        // Given a booking issued at the hub, synced to both gates,
        #expect(
            try await fleet.hubInsert(
                table: "reservations", key: "r-1",
                columns: [
                    "member_id": "m-1", "plate": "沪A12345", "zone": "B2", "window_start": Int64(Self.now) - 600_000,
                    "window_end": Int64(Self.now) + 3_600_000, "status": "booked",
                ]) == 201)
        #expect(await fleet.converged())
        let before = try await fleet.hubDigests()

        // when gate-1's controller is stolen (the process stopped, its password in other hands),
        await fleet.stopNode("gate-1")
        // (without TLS, the password is worth nothing: the broker speaks TLS only),
        var plain = try fleet.stolenLogin("gate-1")
        plain.tls = nil
        let plainClient = try MosquittoClient(
            session: Session(clientID: "gate-1", subscriptions: []), options: plain,
            logger: Logger(label: "plain") { _ in SwiftLogNoOpLogHandler() })
        let plainEvents = EventRecorder(plainClient.events)
        plainClient.start()
        #expect(
            !(await plainEvents.wait(seconds: 2) { $0.contains { if case .connected = $0 { true } else { false } } }))
        await plainClient.stop()
        let rogue = try MosquittoClient(
            session: Session(clientID: "gate-1", subscriptions: []),
            options: try fleet.stolenLogin("gate-1"),
            logger: Logger(label: "rogue") { _ in SwiftLogNoOpLogHandler() })
        let seen = EventRecorder(rogue.events)
        rogue.start()
        #expect(await seen.wait { $0.contains { if case .connected = $0 { true } else { false } } })

        // and every attack is published on its own topic,
        for attack in Self.attacks {
            var counted = 0
            if let reason = attack.counted { counted = await self.counted(reason, fleet) }
            for payload in attack.payloads {
                let topic = payload.contains(#""type":"birth""#) ? Topics.NodeTopic.birth : .up
                try await rogue.publish([
                    TransportMessage(
                        topic: Topics.node("gate-1", mall: Fleet.mall, topic), payload: Array(payload.utf8))
                ])
            }
            // then the hub counts it as refused,
            if let reason = attack.counted {
                #expect(
                    await eventually { await self.counted(reason, fleet) >= counted + 1 }, "\(attack) not counted")
            }
            // and it is still up.
            #expect(try await fleet.get(port: fleet.hubPort, path: "/v1/health").0 == 200, "\(attack)")
        }
        await rogue.stop()

        // The hub's state is what it was, the honest gate still syncs and decides,
        #expect(try await fleet.hubDigests() == before)
        #expect(
            try await fleet.insert(at: "gate-2", table: "gate_passages", key: "p-honest", columns: ["lane": "s"]) == 201
        )
        #expect(await eventually { await fleet.has("gate-2", table: "gate_passages", key: "p-honest") })
        let read: [String: Any] = ["lane": "in-1", "direction": "in", "plate": "沪A12345", "confidence": 0.97]
        let (status, decided) = try await fleet.send(
            "POST", to: "gate-2", "/v1/gate/reads", read, token: fleet.deviceToken(for: "gate-2"))
        #expect(status == 201)
        #expect(decided["decision"] as? String == "admit")
        // and the stolen gate's own process comes back and syncs.
        try await fleet.startNode("gate-1")
        #expect(await fleet.converged())
    }

    /// `malledge_hub_messages_rejected_total` for `reason` in the hub's `/metrics`.
    func counted(_ reason: String, _ fleet: Fleet) async -> Int {
        guard let (_, data) = try? await fleet.get(port: fleet.hubPort, path: "/metrics"),
            let text = String(data: data, encoding: .utf8)
        else { return 0 }
        let prefix = #"malledge_hub_messages_rejected_total{reason="\#(reason)"} "#
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }
            .flatMap { Int(Double($0.dropFirst(prefix.count)) ?? 0) } ?? 0
    }
}

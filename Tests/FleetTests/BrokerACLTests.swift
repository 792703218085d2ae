import BrokerHarness
import Foundation
import Logging
import MallDomain
import MosquittoTransport
import SyncCore
import Testing
import Transport

/// The production broker setup (`deploy/mosquitto/mall.acl` and the
/// credentials script) against a process holding one node's credentials.
@Suite("Production ACL", .serialized)
struct BrokerACLTests {
    @Test func aNodeCannotSpeakForAnotherNodeNorReadWhatIsNotItsOwn() async throws {
        let fleet = try await Fleet(
            nodes: [("gate-1", "gate"), ("gate-2", "gate"), ("lounge-1", "lounge")], productionACL: true)
        defer { fleet.stopAll() }
        try await fleet.startAll()
        // The fleet itself works with its credentials.
        try await fleet.insert(at: "gate-1", table: "gate_passages", key: "p1", columns: FleetIntegrationTests.passage)
        #expect(await eventually { await fleet.has("gate-2", table: "gate_passages", key: "p1") })

        // Given a rogue process with gate-1's credentials, subscribed to everything (with the
        // real gate-1 stopped: the broker binds the client id to the username, so the two
        // would only knock each other off)…
        await fleet.stopNode("gate-1")
        let rogue = try MosquittoClient(
            session: Session(clientID: "gate-1-rogue", subscriptions: ["#"]), options: try fleet.stolenLogin("gate-1"),
            logger: Logger(label: "rogue") { _ in SwiftLogNoOpLogHandler() })
        let seen = EventRecorder(rogue.events)
        rogue.start()
        #expect(await seen.wait { $0.contains { if case .connected = $0 { true } else { false } } })

        // …a change in gate-2's name on gate-2's topic is refused by the broker,
        let forged = WireCodec(schema: .mall).encode(
            .changes(
                ChangeBatch(
                    node: "gate-2", sentAt: 1_795_000_000_000,
                    changes: [
                        Change(
                            id: ChangeID(origin: "gate-2", epoch: 1, seq: 999),
                            hlc: HybridTimestamp(wallMillis: 1_795_000_000_000), table: "gate_passages", key: "forged",
                            channel: Channel(mall: Fleet.mall, kind: .parking), op: .insert,
                            columns: ["lane": .text("x")])
                    ])))
        let onGate2Topic = TransportMessage(topic: Topics.node("gate-2", mall: Fleet.mall, .up), payload: forged)
        await #expect(throws: TransportError.self) { try await rogue.publish([onGate2Topic]) }
        // …and on gate-1's own topic the broker lets it through but the hub refuses it.
        let onOwnTopic = TransportMessage(topic: Topics.node("gate-1", mall: Fleet.mall, .up), payload: forged)
        try await rogue.publish([onOwnTopic])
        #expect(await eventually { await fleet.hubRejections()["forged-origin", default: 0] >= 1 })

        // The lounge's data flows to the hub, but never to gate-1's credentials.
        try await fleet.insert(
            at: "lounge-1", table: "lounge_visits", key: "v1",
            columns: ["member_id": "m-1", "checked_in_at": 1, "guests": 1, "status": "open"])
        await rogue.stop()
        try await fleet.startNode("gate-1")
        #expect(await fleet.converged())
        let topics = seen.all.compactMap { if case .message(let message) = $0 { message.topic } else { nil } }
        #expect(!topics.isEmpty, "gate-1 may read its own channel and the hub status")
        #expect(
            topics.allSatisfy {
                !$0.contains("/channel/lounge") && !$0.contains("/node/gate-2/") && !$0.contains("/node/lounge-1/")
            })
        #expect(await !fleet.has("gate-2", table: "gate_passages", key: "forged"))
    }

    @Test func aStolenPasswordCannotTakeOverTheHubsOrAnotherNodesSession() async throws {
        let fleet = try await Fleet(nodes: [("gate-1", "gate"), ("gate-2", "gate")], productionACL: true)
        defer { fleet.stopAll() }
        try await fleet.startAll()

        // Given gate-1's password, a rogue connects under the hub's client id, then under gate-2's:
        for victim in ["hub", "gate-2"] {
            let rogue = try MosquittoClient(
                session: Session(clientID: victim, subscriptions: []),
                options: try fleet.stolenLogin("gate-1"),
                logger: Logger(label: "rogue") { _ in SwiftLogNoOpLogHandler() })
            let seen = EventRecorder(rogue.events)
            rogue.start()
            #expect(await seen.wait { $0.contains { if case .connected = $0 { true } else { false } } })
            try await Task.sleep(for: .seconds(1))
            await rogue.stop()
        }

        // then neither the hub nor gate-2 was knocked off the broker,
        for log in [fleet.hubLog, fleet.nodes["gate-2"]!.log] {
            let text = try String(contentsOfFile: log, encoding: .utf8)
            #expect(!text.contains("MQTT connection lost"), "\(log) lost its broker session")
        }
        // and the fleet still syncs.
        try await fleet.insert(at: "gate-2", table: "gate_passages", key: "p2", columns: FleetIntegrationTests.passage)
        #expect(await eventually { await fleet.has("gate-1", table: "gate_passages", key: "p2") })
    }
}

import BrokerHarness
import Foundation
import Logging
import MosquittoTransport
import Testing
import Transport

/// TLS as production uses it (`deploy/mosquitto/mall.conf`): the broker
/// verified against the mall's CA, and nodes authenticated by certificate.
@Suite("MosquittoClient over TLS", .serialized)
struct MosquittoTLSTests {
    @Test func clientCertificateConnectsAndPublishesAndAStrangerDoesNot() async throws {
        let certificates = try await TestCertificates.make(clients: ["gate-1", "gate-2"])
        defer { try? FileManager.default.removeItem(at: certificates) }
        let path = certificates.path
        let broker = try MosquittoBroker(settings: [
            "cafile \(path)/ca.crt", "certfile \(path)/broker.crt", "keyfile \(path)/broker.key",
            "require_certificate true", "use_identity_as_username true",
        ])
        defer { broker.stop() }
        let quiet = Logger(label: "tls") { _ in SwiftLogNoOpLogHandler() }

        // Given a node with the mall CA and its own certificate…
        let tls = MosquittoClient.Options.TLS(
            caFile: "\(path)/ca.crt", certificateFile: "\(path)/gate-1.crt", keyFile: "\(path)/gate-1.key")
        let node = try MosquittoClient(
            session: Session(clientID: "gate-1", subscriptions: ["echo"]),
            options: .init(port: broker.port, tls: tls), logger: quiet)
        let events = EventRecorder(node.events)
        node.start()
        // …it connects, and what it publishes comes back to it over TLS.
        #expect(await events.wait { $0.contains { if case .connected = $0 { true } else { false } } })
        try await node.publish([TransportMessage(topic: "echo", payload: [42])])
        #expect(await events.wait { $0.contains { if case .message(let m) = $0 { m.payload == [42] } else { false } } })
        await node.stop()

        // A client with the CA but no certificate of its own never gets in.
        let stranger = try MosquittoClient(
            session: Session(clientID: "stranger", subscriptions: []),
            options: .init(port: broker.port, tls: .init(caFile: "\(path)/ca.crt")), logger: quiet)
        let strangerEvents = EventRecorder(stranger.events)
        stranger.start()
        #expect(!(await strangerEvents.wait(seconds: 2) { !$0.isEmpty }))
        await stranger.stop()
    }

    /// With certificates, the identity is the certificate's name, and the
    /// client id is bound to it (`use_identity_as_username` with
    /// `use_username_as_clientid`, as `mall.conf` documents): a stolen
    /// gate-1 certificate cannot take over gate-2's session by its client id.
    @Test func aStolenCertificateCannotTakeOverAnotherClientsSession() async throws {
        let certificates = try await TestCertificates.make(clients: ["gate-1", "gate-2"])
        defer { try? FileManager.default.removeItem(at: certificates) }
        let path = certificates.path
        let broker = try MosquittoBroker(settings: [
            "cafile \(path)/ca.crt", "certfile \(path)/broker.crt", "keyfile \(path)/broker.key",
            "require_certificate true", "use_identity_as_username true", "use_username_as_clientid true",
        ])
        defer { broker.stop() }
        let quiet = Logger(label: "tls") { _ in SwiftLogNoOpLogHandler() }
        func client(_ id: String, certificate: String) throws -> MosquittoClient {
            try MosquittoClient(
                session: Session(clientID: id, subscriptions: []),
                options: .init(
                    port: broker.port,
                    tls: .init(
                        caFile: "\(path)/ca.crt", certificateFile: "\(path)/\(certificate).crt",
                        keyFile: "\(path)/\(certificate).key")), logger: quiet)
        }
        // Given gate-2 connected with its own certificate,
        let victim = try client("gate-2", certificate: "gate-2")
        let victimEvents = EventRecorder(victim.events)
        victim.start()
        #expect(await victimEvents.wait { $0.contains { if case .connected = $0 { true } else { false } } })
        // when a client with gate-1's certificate connects under the client id gate-2,
        let rogue = try client("gate-2", certificate: "gate-1")
        let rogueEvents = EventRecorder(rogue.events)
        rogue.start()
        #expect(await rogueEvents.wait { $0.contains { if case .connected = $0 { true } else { false } } })
        try await Task.sleep(for: .seconds(1))
        // then gate-2 keeps its session.
        #expect(
            !victimEvents.all.contains { if case .disconnected = $0 { true } else { false } },
            "gate-2 was knocked off")
        await rogue.stop()
        await victim.stop()
    }
}

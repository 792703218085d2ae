import BrokerHarness
import Foundation
import Hummingbird
import MallDomain
import ServiceLifecycle
import Services
import Simulation
import SyncCore
import Testing
import Transport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

private let promtoolPath = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// `GET /metrics` on the hub in Prometheus format, checked by `promtool`,
/// and the sample alert rules in `deploy/prometheus/`.
@Suite(.enabled(if: promtoolPath != nil, "promtool is not installed (deploy/scripts/install-deps.sh installs it)"))
struct HubMetricsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized

    /// Runs promtool with `arguments`, feeding it `input`; its status and output.
    static func promtool(_ arguments: [String], input: String? = nil) async throws -> (Int32, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("promtool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var command = ([promtoolPath!] + arguments).map { "'\($0)'" }.joined(separator: " ")
        if let input {
            try input.write(to: directory.appendingPathComponent("input"), atomically: true, encoding: .utf8)
            command += " < '\(directory.path)/input'"
        }
        let output = directory.appendingPathComponent("output").path
        let process = try ChildProcess(executable: "/bin/sh", arguments: ["-c", command], outputFile: output)
        let status = await process.exited()
        return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }

    @Test func theSampleAlertRulesPassPromtool() async throws {
        let rules = Self.repository.appendingPathComponent("deploy/prometheus/alerts.yml").path
        let (status, output) = try await Self.promtool(["check", "rules", rules])
        #expect(status == 0, "\(output)")
        #expect(output.contains("6 rules found"), "\(output)")
    }

    @Test func metricsShowTheFleetTheConflictsAndTheRefusalsAndPassPromtool() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let metrics = HubMetrics()
        let member = HubCoordinator.Engine.FleetMember(mall: InMemoryFleet.mall, role: .gate)
        let (hub, hubService) = try fleet.hub(fleet: ["g1": member, "g2": member, "g3": member], metrics: metrics)
        let (g1, g1Service) = try fleet.node("g1")
        let (g2, g2Service) = try fleet.node("g2")
        let group = ServiceGroup(
            configuration: .init(services: [hubService, g1Service, g2Service], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            // Given a double entry made offline, and a garbage message on a node's topic,
            try await GateDecisionTests.makeOfflineDoubleEntry(hub: hub, g1, g2, broker: fleet.broker)
            #expect(await eventually { (try? await g1.row(table: "conflicts", key: "parking.double-entry:r1")) != nil })
            let rogue = InMemoryTransport(broker: fleet.broker, session: Session(clientID: "rogue", subscriptions: []))
            rogue.start()
            let garbage = TransportMessage(
                topic: Topics.node("g1", mall: InMemoryFleet.mall, .up), payload: Array("{".utf8))
            #expect(await eventually { (try? await rogue.publish([garbage])) != nil })
            // when Prometheus scrapes the hub,
            let port = try FreePort.next()
            let app = Application(
                router: HubAPI.router(hub: hub),
                configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: fleet.quiet)
            let text = await withThrowingTaskGroup(of: Void.self) { server -> String in
                server.addTask { try await app.runService() }
                defer { server.cancelAll() }
                #expect(await eventually { FreePort.accepts(port) })
                let url = URL(string: "http://127.0.0.1:\(port)/metrics")!
                // (the hub counts the garbage message when it gets to it)
                var text = ""
                _ = await eventually(seconds: 30, every: .milliseconds(50)) {
                    guard let (data, _) = try? await URLSession.shared.data(from: url) else { return false }
                    text = String(decoding: data, as: UTF8.self)
                    return text.contains("malledge_hub_messages_rejected_total")
                }
                return text
            }
            // then it sees each node's state, the conflict and the refusal, in a format promtool accepts.
            #expect(text.contains(#"malledge_node_online{node="g1",mall="mall-x",role="gate"} 1"#), "\(text)")
            #expect(text.contains(#"malledge_node_online{node="g3",mall="mall-x",role="gate"} 0"#))
            #expect(text.contains(#"malledge_conflicts_total{kind="parking.double-entry"}"#))
            #expect(text.contains(#"malledge_conflicts_open{kind="parking.double-entry"} 1"#))
            #expect(text.contains(#"malledge_hub_messages_rejected_total{reason="malformed"} 1"#))
            #expect(
                text.contains(
                    #"malledge_node_channel_lag_changes{node="g2",mall="mall-x",role="gate",channel="mall-x/parking"}"#)
            )
            let (status, output) = try await Self.promtool(["check", "metrics"], input: text)
            #expect(status == 0, "\(output)")
            await rogue.stop()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

import BrokerHarness
import Foundation
import MallDomain
import ServiceLifecycle
import Services
import Simulation
import SyncCore
import Testing
import Transport

private let browserInstalled = HeadlessBrowser.executable != nil

/// The console with a fleet of 500 nodes in five malls: each node is a
/// broker client with its own will, reporting like a node (birth, then a
/// heartbeat a second), so the hub, the live stream and the page carry the
/// whole fleet. Prints what the page costs; asserts only what a person sees.
@Suite(.enabled(if: browserInstalled, "chromium is not installed (deploy/scripts/install-deps.sh installs it)"))
struct ConsoleScaleTests {
    static let size = 500
    static let roles: [Role] = [.gate, .lounge, .gift]

    /// A node that speaks the protocol's reports and nothing else.
    struct ReportingNode {
        let id: NodeID
        let mall: String
        let role: Role
        let transport: InMemoryTransport
        let codec = WireCodec(schema: .mall)

        init(id: NodeID, mall: String, role: Role, broker: InMemoryBroker) {
            self.id = id
            self.mall = mall
            self.role = role
            let will = TransportMessage(
                topic: Topics.node(id, mall: mall, .death),
                payload: WireCodec(schema: .mall).encode(.death(Death(node: id, epoch: 1))))
            transport = InMemoryTransport(broker: broker, session: Session(clientID: id, subscriptions: [], will: will))
        }

        func birth(now: UInt64) async throws {
            let birth = Birth(node: id, mall: mall, role: role, epoch: 1, sentAt: now, cursors: [], software: "1.0.0")
            try await transport.publish([
                TransportMessage(topic: Topics.node(id, mall: mall, .birth), payload: codec.encode(.birth(birth)))
            ])
        }

        func heartbeat(now: UInt64, outbox: Int) async throws {
            let heartbeat = Heartbeat(
                node: id, epoch: 1, sentAt: now, hlc: HybridTimestamp(wallMillis: now), outboxDepth: outbox,
                oldestUnsyncedAt: outbox > 0 ? now - 5_000 : nil, outboxHead: nil, cursors: [])
            try await transport.publish([
                TransportMessage(topic: Topics.node(id, mall: mall, .up), payload: codec.encode(.heartbeat(heartbeat)))
            ])
        }
    }

    @Test func fiveHundredNodesStayReadableLiveAndFilterable() async throws {
        // (a broker queue above the fake's default 1000: 500 births and their first heartbeats come at once)
        let fleet = try InMemoryFleet(maxQueued: 5000)
        defer { fleet.remove() }
        let nodes = (1...Self.size).map { index in
            ReportingNode(
                id: String(format: "node-%03d", index), mall: "mall-\(index % 5 + 1)", role: Self.roles[index % 3],
                broker: fleet.broker)
        }
        let (hub, hubService) = try fleet.hub(
            fleet: Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, .init(mall: $0.mall, role: $0.role)) }),
            operators: try ConsoleBrowserTests.operators)
        let group = ServiceGroup(configuration: .init(services: [hubService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            for node in nodes { node.transport.start() }
            let now = { UInt64(Date().timeIntervalSince1970 * 1000) }
            // (births only once the hub is subscribed: a hung node sends nothing after its birth)
            #expect(await eventually { await hub.coordinator.fleet().connected })
            for node in nodes { try await node.birth(now: now()) }
            // Every node reports each second, as nodes do, but one that hangs
            // after its birth: its broker session lives on, so no will comes.
            let hung = nodes[7]
            tasks.addTask {
                while !Task.isCancelled {
                    for (index, node) in nodes.enumerated() where node.id != hung.id {
                        try? await node.heartbeat(now: now(), outbox: index % 50 == 0 ? 7 : 0)
                    }
                    try await Task.sleep(for: .seconds(1))
                }
            }
            // (generous: under a loaded parallel test run, 500 durable births take a while)
            _ = await eventually(seconds: 240) {
                await hub.coordinator.fleet().nodes.filter(\.online).count == Self.size
            }
            let seen = await hub.coordinator.fleet()
            let online = seen.nodes.filter(\.online).count
            try #require(online == Self.size, "\(online) of \(Self.size) online; refused: \(seen.rejections)")

            try await ServedHub.serve(hub, logger: fleet.quiet) { served in
                let state = try await request(
                    port: served.port, "GET", "/v1/admin/fleet", body: nil, token: InMemoryFleet.adminToken)
                let stateBytes = try JSONSerialization.data(withJSONObject: state.1).count
                let browser = try await HeadlessBrowser()
                let opened = ContinuousClock.now
                try await browser.open("http://127.0.0.1:\(served.port)/console")
                #expect(try await browser.logInToConsole("zhao", "look-only"))
                let rows = "document.querySelectorAll('#fleet tbody tr').length"
                // (patient: with the whole suite on two cores the first table took up to 12 s)
                #expect(try await browser.waitUntil("\(rows) === \(Self.size)", seconds: 90))
                let firstFull = ContinuousClock.now - opened
                // A node that dies turns offline and sorts first, live.
                nodes[42].transport.kill()
                #expect(
                    try await browser.waitUntil(
                        "document.querySelector('#fleet tbody tr').dataset.node === '\(nodes[42].id)'", seconds: 90))
                #expect(
                    try await browser.waitUntil(
                        "document.querySelector('#summary').textContent.startsWith('499 online, 1 offline')",
                        seconds: 90))
                // Filtering finds one mall's nodes, or one node.
                _ = try await browser.evaluate(
                    "(() => { const f = document.querySelector('#filter'); f.value = 'mall-3'; f.dispatchEvent(new Event('input')); return true })()"
                )
                #expect(try await browser.waitUntil("\(rows) === \(Self.size / 5)"))
                _ = try await browser.evaluate(
                    "(() => { const f = document.querySelector('#filter'); f.value = 'node-250'; f.dispatchEvent(new Event('input')); return true })()"
                )
                #expect(try await browser.waitUntil("\(rows) === 1"))
                // The hung node is listed as stale, in colour, once it has been silent for 10 s.
                _ = try await browser.evaluate(
                    "(() => { const f = document.querySelector('#filter'); f.value = '\(hung.id)'; f.dispatchEvent(new Event('input')); return true })()"
                )
                #expect(
                    try await browser.waitUntil(
                        "document.querySelector('#fleet tbody tr.problem')?.textContent.includes('stale: silent for')",
                        seconds: 90))
                // What one live update costs the page: the median of twenty full redraws.
                let redraw =
                    try await browser.evaluate(
                        """
                        (() => { document.querySelector('#filter').value = ''; const t = [];
                          for (let i = 0; i < 20; i++) { const s = performance.now(); renderFleet(); t.push(performance.now() - s); }
                          t.sort((a, b) => a - b); return t[10]; })()
                        """) as? Double
                print(
                    "console at \(Self.size) nodes: state \(stateBytes / 1024) KiB per update, "
                        + "first full table \(firstFull), one redraw \(String(format: "%.1f", redraw ?? -1)) ms (median of 20)"
                )
            }
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
            for node in nodes { await node.transport.stop() }
        }
    }
}

import BrokerHarness
import Foundation
import Hummingbird
import MallDomain
import ServiceLifecycle
import Services
import SyncCore
import Testing

private let browserInstalled = HeadlessBrowser.executable != nil

/// The hub console in a real headless Chromium, as operators use it.
@Suite(.enabled(if: browserInstalled, "chromium is not installed (deploy/scripts/install-deps.sh installs it)"))
struct ConsoleBrowserTests {
    static var operators: [Operator] {
        get throws {
            [
                Operator(
                    id: "li", name: "Li Wei", role: .operator,
                    passwordHash: try PINHash.make(pin: "harbour-7", rounds: 1000)),
                Operator(
                    id: "zhao", name: "Zhao Min", role: .viewer,
                    passwordHash: try PINHash.make(pin: "look-only", rounds: 1000)),
            ]
        }
    }

    @Test func anOperatorSeesANodeGoOfflineAndSettlesAConflictThatReachesTheNodes() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let member = HubCoordinator.Engine.FleetMember(mall: InMemoryFleet.mall, role: .gate)
        let (hub, hubService) = try fleet.hub(
            fleet: ["g1": member, "g2": member], operators: try Self.operators, historyIntervalMillis: 200)
        let (g1, g1Service) = try fleet.node("g1")
        let (g2, g2Service) = try fleet.node("g2")
        let group = ServiceGroup(
            configuration: .init(services: [hubService, g1Service, g2Service], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            // A double entry made offline waits in the ledger.
            try await GateDecisionTests.makeOfflineDoubleEntry(hub: hub, g1, g2, broker: fleet.broker)
            let key = "parking.double-entry:r1"
            #expect(await eventually { (try? await hub.coordinator.conflicts(openOnly: true))?.count == 1 })

            try await ServedHub.serve(hub, logger: fleet.quiet) { served in
                let port = served.port
                let browser = try await HeadlessBrowser()
                try await browser.open("http://127.0.0.1:\(port)/console")
                #expect(try await browser.logInToConsole("li", "harbour-7"))
                // The fleet table fills live, both gates online.
                let badge = { (node: String) in
                    "document.querySelector('tr[data-node=\"\(node)\"] .badge')?.textContent"
                }
                #expect(try await browser.waitUntil("\(badge("g1")) === 'online' && \(badge("g2")) === 'online'"))
                #expect(
                    try await browser.evaluate("typeof Chart") as? String == "function",
                    "Chart.js served from the system")
                // When gate g1 loses the broker, it turns offline on the page without a reload.
                fleet.broker.partition("g1")
                #expect(try await browser.waitUntil("\(badge("g1")) === 'offline'"))
                #expect(
                    try await browser.waitUntil(
                        "document.querySelector('tr[data-node=\"g1\"]').className.includes('offline')"))
                // The line over the table is the one `mall-hub status` prints first.
                let summary = try await hub.coordinator.consoleState().summary
                #expect(summary.hasPrefix("1 online, 1 offline, "))
                #expect(try await browser.waitUntil("document.querySelector('#summary').textContent === '\(summary)'"))
                // The node's detail shows its history as charts.
                _ = try await browser.evaluate("document.querySelector('tr[data-node=\"g2\"]').click() || true")
                #expect(
                    try await browser.waitUntil(
                        "document.querySelector('#detail-title').textContent.startsWith('Node g2')"))
                // (lag, outbox and the rate of its changes, drawn by Chart.js)
                #expect(
                    try await browser.waitUntil(
                        "Chart.getChart(document.querySelector('#chart-changes'))?.data.datasets[0].label "
                            + "=== 'Changes per minute'"))
                // with how far behind each of its channels it is.
                #expect(
                    try await browser.waitUntil(
                        "document.querySelector('#detail-channels').textContent.includes('mall-x/parking: 0 behind')"))
                // A viewer sees the open conflict with its buttons disabled; forcing one is refused by the hub.
                let accept = "document.querySelector('#conflicts tr[data-key=\"\(key)\"] button.accept')"
                _ = try await browser.evaluate("document.querySelector('#logout').click() || true")
                #expect(try await browser.logInToConsole("zhao", "look-only"))
                #expect(try await browser.waitUntil("document.querySelector('#who').textContent.includes('viewer')"))
                #expect(try await browser.waitUntil("\(accept)?.disabled === true"))
                _ = try await browser.evaluate(
                    "(() => { const b = \(accept); b.disabled = false; b.click(); return true })()")
                #expect(
                    try await browser.waitUntil(
                        "document.querySelector('#resolve-status').textContent.includes('\(key)') === false "
                            + "&& document.querySelector('#resolve-status').textContent.length > 0"))
                #expect(try await hub.coordinator.conflicts(openOnly: true).contains { $0.key == key })
                // The operator accepts the double entry's outcome from the ledger. A request the
                // viewer's page still had in flight, answered 401 once the operator is in, must
                // not log the operator out: it is held back until then.
                _ = try await browser.evaluate(
                    """
                    (() => { const real = window.fetch; window.staleDone = false;
                      window.fetch = (...args) => new Promise((resolve) => { const t = setInterval(() => {
                        if (session && session.role === 'operator') { clearInterval(t); resolve(real(...args)); } }, 20) });
                      renderConflicts().finally(() => { window.staleDone = true }); window.fetch = real; return true })()
                    """)
                _ = try await browser.evaluate("document.querySelector('#logout').click() || true")
                #expect(try await browser.logInToConsole("li", "harbour-7"))
                #expect(try await browser.waitUntil("window.staleDone === true"))
                #expect(try await browser.evaluate("document.querySelector('#app').hidden") as? Bool == false)
                #expect(try await browser.waitUntil("\(accept)?.disabled === false"))
                _ = try await browser.evaluate(
                    "document.querySelector('#note').value = 'checked the cameras'; "
                        + "document.querySelector('#conflicts tr[data-key=\"\(key)\"] button.accept').click() || true")
                #expect(
                    try await browser.waitUntil(
                        "document.querySelector('#resolve-status').textContent.includes('accepted')"))
                // …and the decision reaches the gate that is still online, audited with the operator's name.
                #expect(
                    await eventually {
                        (try? await g2.row(table: "conflicts", key: key))?.values["status"] == .text("resolved")
                    })
                let settled = try #require(try await hub.coordinator.conflicts().first { $0.key == key })
                #expect(settled.resolvedBy == "operator:li")
                #expect(settled.note == "checked the cameras")
                if let path = ProcessInfo.processInfo.environment["MALLEDGE_CONSOLE_SCREENSHOT"] {
                    try await browser.screenshot().write(to: URL(fileURLWithPath: path))
                }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

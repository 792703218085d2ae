import BrokerHarness
import Foundation
import Testing

private let browserInstalled = HeadlessBrowser.executable != nil

/// The hub console of a real fleet (Mosquitto, `mall-hub`, two `mall-node`
/// processes) in a real headless Chromium, as an operator uses it.
@Suite(.enabled(if: browserInstalled, "chromium is not installed (deploy/scripts/install-deps.sh installs it)"))
struct FleetConsoleTests {
    @Test func anOperatorSeesAStoppedGateGoOfflineAndSettlesItsDoubleEntryForBothGates() async throws {
        let fleet = try await Fleet(nodes: [("gate-1", "gate"), ("gate-2", "gate")])
        defer { fleet.stopAll() }
        try await fleet.startAll()
        let browser = try await HeadlessBrowser()
        try await browser.open("http://127.0.0.1:\(fleet.hubPort)/console")
        #expect(try await browser.logInToConsole(Fleet.consoleOperator, Fleet.consolePassword))
        let badge = { (node: String) in "document.querySelector('tr[data-node=\"\(node)\"] .badge')?.textContent" }
        #expect(
            try await browser.waitUntil(
                "\(badge("gate-1")) === 'online' && \(badge("gate-2")) === 'online'", seconds: 60))

        // When gate-2's process stops, the page shows it offline, without a reload.
        await fleet.stopNode("gate-2")
        #expect(try await browser.waitUntil("\(badge("gate-2")) === 'offline'", seconds: 60))
        try await fleet.startNode("gate-2")
        #expect(try await browser.waitUntil("\(badge("gate-2")) === 'online'", seconds: 60))

        // A car entering at both gates while gate-2 was cut off appears in the ledger, live…
        let (key, southPassage) = try await EdgeDecisionFleetTests.makeDoubleEntryWhileGate2IsCutOff(fleet)
        let row = "document.querySelector('#conflicts tr[data-key=\"\(key)\"]')"
        #expect(try await browser.waitUntil("!!\(row)", seconds: 60))
        // …and the operator makes the south gate's entry stand, with a note.
        _ = try await browser.evaluate(
            """
            (() => { document.querySelector('#note').value = 'south camera shows the car';
              [...\(row).querySelectorAll('button.override')].find(b => b.textContent.includes('\(southPassage)')).click();
              return true })()
            """)
        #expect(try await browser.waitUntil("document.querySelector('#resolve-status').textContent.includes('stands')"))
        // The decision reaches both gates' replicas.
        for gate in ["gate-1", "gate-2"] {
            #expect(
                await EdgeDecisionFleetTests.gate(
                    gate, of: fleet, holds: key, settledFor: southPassage, by: "operator:\(Fleet.consoleOperator)"),
                "\(gate)")
        }
        #expect(await fleet.converged())
    }
}

import BrokerHarness
import Foundation
import MallDomain
import ServiceLifecycle
import Services
import SyncCore
import Testing

private let browserInstalled = HeadlessBrowser.executable != nil

/// The lounge desk page in a real headless Chromium, as desk staff use it.
@Suite(.enabled(if: browserInstalled, "chromium is not installed (deploy/scripts/install-deps.sh installs it)"))
struct LoungePageBrowserTests {
    @Test func staffLogInCheckAMemberInAndSeeTheDeskGoOffline() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: ["l1": .init(mall: InMemoryFleet.mall, role: .lounge)])
        let (desk, deskService) = try fleet.node("l1", role: .lounge)
        let group = ServiceGroup(configuration: .init(services: [hubService, deskService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            try await hub.coordinator.write(
                [LoungeDeskTests.member("m1", card: "C-001", guests: 2)], mall: InMemoryFleet.mall, decision: "test")
            try await hub.coordinator.setStaff(
                mall: InMemoryFleet.mall, id: "s-desk", name: "Desk Clerk", roles: [.loungeStaff],
                pinHash: try PINHash.make(pin: "246813", rounds: 1000), active: true, actor: "test")
            #expect(await eventually { (try? await desk.row(table: "staff", key: "s-desk"))?.isVisible == true })
            #expect(await eventually { (try? await desk.row(table: "members", key: "m1"))?.isVisible == true })
            try await ServedNode.serve(desk, logger: fleet.quiet) { served in
                let browser = try await HeadlessBrowser()
                try await browser.open("http://127.0.0.1:\(served.port)/lounge")
                // The desk is online, and shows the login form first.
                #expect(try await browser.waitUntil("document.querySelector('#sync').textContent.startsWith('Online')"))
                #expect(try await browser.evaluate("document.querySelector('#desk').hidden") as? Bool == true)
                // A wrong PIN is refused on the page.
                try await login(browser, pin: "1111")
                #expect(
                    try await browser.waitUntil(
                        "document.querySelector('#login-error').textContent.includes('wrong PIN')"))
                // Staff log in and scan a card with one guest.
                try await login(browser, pin: "246813")
                #expect(try await browser.waitUntil("!document.querySelector('#desk').hidden"))
                _ = try await browser.evaluate(
                    """
                    (() => { const form = document.querySelector('#check-in');
                      form.elements.member.value = 'C-001'; form.elements.guests.value = '1';
                      form.requestSubmit(); return true })()
                    """)
                #expect(
                    try await browser.waitUntil("document.querySelector('#result').textContent.includes('admitted')"))
                let card = try await browser.evaluate("document.querySelector('#result').textContent") as? String ?? ""
                #expect(card.contains("Member m1"))
                #expect(card.contains("Tier gold"))
                #expect(card.contains("guests allowed: 2"))
                #expect(card.contains("In the lounge: 2 of 40"))
                // The same card again: refused, with the reason on the page.
                _ = try await browser.evaluate("document.querySelector('#check-in').requestSubmit() || true")
                #expect(
                    try await browser.waitUntil(
                        "document.querySelector('#result').textContent.includes('already inside')"))
                // At a shift change, a request still in flight from the clerk who logs out, answered
                // 401 once the next clerk is in, leaves the next clerk logged in. It is held back
                // until then.
                _ = try await browser.evaluate(
                    """
                    (() => { const real = window.fetch, old = token; window.staleDone = false;
                      window.fetch = (...args) => new Promise((resolve) => { const t = setInterval(() => {
                        if (token && token !== old) { clearInterval(t); resolve(real(...args)); } }, 20) });
                      call("POST", "/v1/lounge/check-outs", { member: "C-001" }).finally(() => { window.staleDone = true });
                      window.fetch = real; return true })()
                    """)
                _ = try await browser.evaluate("document.querySelector('#logout').click() || true")
                #expect(try await browser.waitUntil("!document.querySelector('#login').hidden"))
                try await login(browser, pin: "246813")
                #expect(try await browser.waitUntil("window.staleDone === true"))
                #expect(try await browser.evaluate("document.querySelector('#desk').hidden") as? Bool == false)
                // When the desk loses the broker, the banner says it is offline.
                fleet.broker.partition("l1")
                #expect(
                    try await browser.waitUntil(
                        "document.querySelector('#sync').textContent.startsWith('Offline')"))
                fleet.broker.heal("l1")
                #expect(try await browser.waitUntil("document.querySelector('#sync').textContent.startsWith('Online')"))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    private func login(_ browser: HeadlessBrowser, pin: String) async throws {
        _ = try await browser.evaluate(
            """
            (() => { const form = document.querySelector('#login-form');
              form.elements.staffId.value = 's-desk'; form.elements.pin.value = '\(pin)';
              form.requestSubmit(); return true })()
            """)
    }
}

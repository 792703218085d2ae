import MallDomain
import Services
import Testing

/// Console logins survive a hub restart (an upgrade), as their tokens' hashes.
@Suite struct ConsoleSessionTests {
    @Test func aRestartKeepsOperatorsLoggedInButNotThoseWhoLoggedOutOrLeft() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let members: [String: HubCoordinator.Engine.FleetMember] = ["g1": .init(mall: InMemoryFleet.mall, role: .gate)]
        let operators = try ConsoleBrowserTests.operators
        let (before, _) = try fleet.hub(fleet: members, operators: operators)
        let li = try await before.console.open(for: #require(before.console.operator("li"))).token
        let zhao = try await before.console.open(for: #require(before.console.operator("zhao"))).token
        let leaving = try #require(await before.console.session(for: zhao))
        await before.console.close(leaving)

        let (restarted, _) = try fleet.hub(fleet: members, operators: operators)
        let kept = try #require(await restarted.console.session(for: li))
        #expect(kept.operatorId == "li" && kept.role == .operator)
        #expect(await restarted.console.session(for: zhao) == nil, "logged out before the restart")
        #expect(await restarted.console.session(for: "made-up") == nil)

        // An operator taken out of the configuration is not logged back in.
        let (withoutLi, _) = try fleet.hub(fleet: members, operators: operators.filter { $0.id != "li" })
        #expect(await withoutLi.console.session(for: li) == nil)
    }

    /// Idle expiry and the live stream's tickets, on a clock moved by hand.
    @Test func aSessionIdleForEightHoursEndsAndATicketLastsThirtySeconds() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let clock = ManualClock(now: 1_800_000_000_000)
        let (hub, _) = try fleet.hub(
            fleet: ["g1": .init(mall: InMemoryFleet.mall, role: .gate)], operators: try ConsoleBrowserTests.operators,
            clock: clock)
        let token = try await hub.console.open(for: #require(hub.console.operator("li"))).token
        clock.advance(by: .seconds(8 * 3600 - 1))
        let used = try #require(await hub.console.session(for: token), "a use just inside the idle limit")
        #expect(used.expiresAt == clock.now() + 8 * 3_600_000, "and the use pushes the expiry back")

        let ticket = await hub.console.issueEventTicket(for: used)
        clock.advance(by: .seconds(30))
        #expect(await hub.console.redeemEventTicket(ticket) == nil, "a ticket is good for 30 s")
        let fresh = await hub.console.issueEventTicket(for: used)
        #expect(await hub.console.redeemEventTicket(fresh)?.operatorId == "li")
        #expect(await hub.console.redeemEventTicket(fresh) == nil, "and once")

        clock.advance(by: .seconds(8 * 3600))
        #expect(await hub.console.session(for: token) == nil, "idle for 8 hours")
        let (restarted, _) = try fleet.hub(
            fleet: ["g1": .init(mall: InMemoryFleet.mall, role: .gate)], operators: try ConsoleBrowserTests.operators,
            clock: clock)
        #expect(await restarted.console.session(for: token) == nil, "an expired session is not restored")
    }
}

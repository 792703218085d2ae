import EdgeRules
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
        let li = try await before.openConsoleSession(for: #require(before.consoleOperator("li"))).token
        let zhao = try await before.openConsoleSession(for: #require(before.consoleOperator("zhao"))).token
        let leaving = try #require(await before.consoleSession(for: zhao))
        await before.closeConsoleSession(leaving)

        let (restarted, _) = try fleet.hub(fleet: members, operators: operators)
        let kept = try #require(await restarted.consoleSession(for: li))
        #expect(kept.operatorId == "li" && kept.role == .operator)
        #expect(await restarted.consoleSession(for: zhao) == nil, "logged out before the restart")
        #expect(await restarted.consoleSession(for: "made-up") == nil)

        // An operator taken out of the configuration is not logged back in.
        let (withoutLi, _) = try fleet.hub(fleet: members, operators: operators.filter { $0.id != "li" })
        #expect(await withoutLi.consoleSession(for: li) == nil)
    }
}

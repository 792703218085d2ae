import BrokerHarness
import Foundation
import MallDomain
import ServiceLifecycle
import Services
import SyncCore
import Testing

/// The hub flags a member whose codes are redeemed in two cities too close
/// in time, and the flag is in the conflict ledger at the counter.
@Suite struct ScalperFlagTests {
    static let sites = ScalperWatch.Configuration(
        sites: [
            "mall-sh": .init(latitude: 31.2304, longitude: 121.4737),
            "mall-bj": .init(latitude: 39.9042, longitude: 116.4074),
        ])
    static let counters: [String: HubCoordinator.Engine.FleetMember] = [
        "sh": .init(mall: "mall-sh", role: .gift), "bj": .init(mall: "mall-bj", role: .gift),
    ]

    /// A hub with a gift counter in Shanghai and one in Beijing, where member
    /// m-9 has just redeemed a code at each: `body` gets the hub, the
    /// counters by mall, and the two redemption events.
    static func withTwoCityRedemptions(
        _ body: (Hub, [String: NodeCoordinator], [String]) async throws -> Void
    ) async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: Self.counters, scalpers: Self.sites)
        let (shanghai, shService) = try fleet.node("sh", role: .gift, mall: "mall-sh")
        let (beijing, bjService) = try fleet.node("bj", role: .gift, mall: "mall-bj")
        let group = ServiceGroup(
            configuration: .init(services: [hubService, shService, bjService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            let validTo = Int64(Date().timeIntervalSince1970 * 1000) + 86_400_000
            let first = try await hub.gifts.issueGiftCode(
                mall: "mall-sh", member: "m-9", gift: "tea", validFrom: nil, validTo: validTo, actor: "test")
            let second = try await hub.gifts.issueGiftCode(
                mall: "mall-bj", member: "m-9", gift: "tea", validFrom: nil, validTo: validTo, actor: "test")
            #expect(await GiftRedemptionTests.arrived(first, at: shanghai))
            #expect(await GiftRedemptionTests.arrived(second, at: beijing))
            let earlier = try await shanghai.redeemGift(first.text, caller: GiftRedemptionTests.caller("sh"))
            let later = try await beijing.redeemGift(second.text, caller: GiftRedemptionTests.caller("bj"))
            let events = try [#require(earlier.redemption), #require(later.redemption)]
            try await body(hub, ["mall-sh": shanghai, "mall-bj": beijing], events)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func redemptionsInShanghaiAndBeijingMinutesApartAreFlagged() async throws {
        try await Self.withTwoCityRedemptions { hub, counters, events in
            // The hub flags the member, raised by whichever use reached it second,
            // and that mall's counter has the flag in its ledger.
            #expect(await eventually { (try? await hub.coordinator.conflicts(openOnly: true))?.isEmpty == false })
            let entry = try #require(try await hub.coordinator.conflicts().first { $0.kind == "scalper.too-fast" })
            #expect(Set(entry.sides.compactMap { $0["event"] }) == Set(events))
            let counter = try #require(counters[entry.mall])
            #expect(
                await eventually { (try? await counter.row(table: "conflicts", key: entry.key))?.isVisible == true })
            let flag = try #require(try await hub.coordinator.row(table: "conflicts", key: entry.key)).values
            #expect(flag["item"] == .text("m-9"))
            #expect(flag["status"] == .text("open"))
            #expect(flag["rule"]?.textValue?.contains("1067 km") == true)
        }
    }

    /// The console's node view lists a flag under the nodes whose events
    /// raised it. A key names its writer between its prefix and two
    /// numbers: counter `sh`'s event `gr-sh-2-7` (its change 7 of epoch 2)
    /// is not shown to a counter named `sh-2`.
    @Test func aFlagIsListedUnderTheNodesThatWroteItsEvents() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        var counters = Self.counters
        counters["sh-2"] = .init(mall: "mall-sh", role: .gift)
        let (hub, _) = try fleet.hub(fleet: counters, scalpers: Self.sites)
        var watch = ScalperWatch(configuration: Self.sites)
        let now = GiftRedemptionTests.now()
        _ = watch.observe(.init(member: "m-9", site: "mall-sh", at: now - 300_000, event: "gr-sh-2-7"))
        let flag = try #require(
            watch.observe(.init(member: "m-9", site: "mall-bj", at: now, event: "gr-bj-1-1")).first)
        try await hub.coordinator.write(
            [flag.ledgerEntry(raisedBy: "gr-bj-1-1", on: .gifts, at: now)], mall: "mall-bj", decision: "test")

        #expect(try await hub.coordinator.conflicts(involving: "sh").count == 1)
        #expect(try await hub.coordinator.conflicts(involving: "bj").count == 1)
        #expect(try await hub.coordinator.conflicts(involving: "sh-2").isEmpty)
    }

    @Test func aRestartedHubStillKnowsTheLastDaysUses() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        // Given the hub logged a Shanghai redemption five minutes ago and then restarted,
        let (before, _) = try fleet.hub(fleet: Self.counters, scalpers: Self.sites)
        try await before.coordinator.write(
            [
                .insert(
                    "gift_redemptions", "gr-sh-1",
                    [
                        "code_id": .text("gc-1"), "counter": .text("sh"), "member_id": .text("m-9"),
                        "gift": .text("tea"), "at": .int(GiftRedemptionTests.now() - 300_000),
                    ])
            ], mall: "mall-sh", decision: "test")
        let (hub, hubService) = try fleet.hub(fleet: Self.counters, scalpers: Self.sites)
        let (beijing, bjService) = try fleet.node("bj", role: .gift, mall: "mall-bj")
        let group = ServiceGroup(configuration: .init(services: [hubService, bjService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            // when the member redeems in Beijing,
            let code = try await hub.gifts.issueGiftCode(
                mall: "mall-bj", member: "m-9", gift: "tea", validFrom: nil,
                validTo: GiftRedemptionTests.now() + 86_400_000, actor: "test")
            #expect(await GiftRedemptionTests.arrived(code, at: beijing))
            let redeemed = try #require(
                try await beijing.redeemGift(code.text, caller: GiftRedemptionTests.caller("bj")).redemption)
            // then the restarted hub flags the two cities.
            #expect(
                await eventually {
                    (try? await hub.coordinator.conflicts())?.contains {
                        $0.kind == "scalper.too-fast"
                            && Set($0.sides.compactMap { $0["event"] }) == ["gr-sh-1", redeemed]
                    } == true
                })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func aHubRestartsAfterAdmittingACarToday() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        // Given the hub holds a reservation and a car admitted on it five minutes ago,
        let gates: [NodeID: HubCoordinator.Engine.FleetMember] = ["g1": .init(mall: "mall-sh", role: .gate)]
        let (before, _) = try fleet.hub(fleet: gates, scalpers: Self.sites)
        let now = GiftRedemptionTests.now()
        try await before.coordinator.write(
            [
                .insert(
                    "reservations", "r-1",
                    [
                        "member_id": .text("m-9"), "plate": .text("沪A12345"), "window_start": .int(now - 600_000),
                        "window_end": .int(now + 3_600_000), "status": .text("inside"),
                    ]),
                .insert(
                    "gate_passages", "gp-1",
                    [
                        "reservation_id": .text("r-1"), "direction": .text("in"), "decision": .text("admit"),
                        "plate": .text("沪A12345"), "at": .int(now - 300_000),
                    ]),
            ], mall: "mall-sh", decision: "test")
        // when it starts again on the same database (once this trapped: the
        // rebuild read the reservation from inside its own read),
        let (after, _) = try fleet.hub(fleet: gates, scalpers: Self.sites)
        // then it starts and serves its data.
        #expect(try await after.coordinator.row(table: "gate_passages", key: "gp-1")?.isVisible == true)
    }
}

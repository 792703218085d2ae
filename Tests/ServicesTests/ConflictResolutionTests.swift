import BrokerHarness
import EdgeRules
import Foundation
import ServiceLifecycle
import Services
import SyncCore
import Testing

/// Operators settle conflicts at the hub; the decision syncs and is audited.
@Suite struct ConflictResolutionTests {
    @Test func acceptingKeepsTheWinnerAndAScalperFlagCannotBeOverridden() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let sites = ScalperWatch.Configuration(
            sites: [
                "mall-sh": .init(latitude: 31.23, longitude: 121.47),
                "mall-bj": .init(latitude: 39.90, longitude: 116.41),
            ])
        let (hub, hubService) = try fleet.hub(
            fleet: ["sh": .init(mall: "mall-sh", role: .gift), "bj": .init(mall: "mall-bj", role: .gift)],
            scalpers: sites)
        let (shanghai, shService) = try fleet.node("sh", role: .gift, mall: "mall-sh")
        let (beijing, bjService) = try fleet.node("bj", role: .gift, mall: "mall-bj")
        let group = ServiceGroup(
            configuration: .init(services: [hubService, shService, bjService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            let validTo = Int64(Date().timeIntervalSince1970 * 1000) + 86_400_000
            let first = try await hub.issueGiftCode(
                mall: "mall-sh", member: "m-9", gift: "tea", validFrom: nil, validTo: validTo, actor: "test")
            let second = try await hub.issueGiftCode(
                mall: "mall-bj", member: "m-9", gift: "tea", validFrom: nil, validTo: validTo, actor: "test")
            #expect(await GiftRedemptionTests.arrived(first, at: shanghai))
            #expect(await GiftRedemptionTests.arrived(second, at: beijing))
            _ = try await shanghai.redeemGift(first.text, caller: GiftRedemptionTests.caller("sh"))
            _ = try await beijing.redeemGift(second.text, caller: GiftRedemptionTests.caller("bj"))
            #expect(await eventually { (try? await hub.conflicts(openOnly: true))?.isEmpty == false })
            let flag = try #require(try await hub.conflicts(openOnly: true).first)
            #expect(flag.kind == "scalper.too-fast")
            #expect(flag.sides.count == 2)
            // A flag has no winner to override…
            await #expect(throws: AdminError.self) {
                try await hub.resolveConflict(flag.key, override: flag.sides[0]["event"], note: "x", actor: "op")
            }
            // …but accepting it settles it, at the hub and at the counter.
            try await hub.resolveConflict(flag.key, override: nil, note: "known reseller", actor: "operator:li")
            #expect(try await hub.conflicts(openOnly: true).isEmpty)
            let settled = try #require(try await hub.conflicts().first { $0.key == flag.key })
            #expect(settled.resolution == "accepted")
            #expect(settled.resolvedBy == "operator:li")
            // The flag lives on the channel of the use that raised it (whichever reached the hub second).
            let counter = flag.mall == "mall-sh" ? shanghai : beijing
            #expect(
                await eventually {
                    (try? await counter.row(table: "conflicts", key: flag.key))?.values["status"] == .text("resolved")
                })
            await #expect(throws: AdminError.self) {
                try await hub.resolveConflict("no-such-conflict", override: nil, note: "x", actor: "op")
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

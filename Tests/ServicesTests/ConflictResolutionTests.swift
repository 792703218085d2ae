import BrokerHarness
import Foundation
import MallDomain
import ServiceLifecycle
import Services
import SyncCore
import Testing

/// Operators settle conflicts at the hub; the decision syncs and is audited.
@Suite struct ConflictResolutionTests {
    @Test func acceptingKeepsTheWinnerAndAScalperFlagCannotBeOverridden() async throws {
        try await ScalperFlagTests.withTwoCityRedemptions { hub, counters, _ in
            #expect(await eventually { (try? await hub.coordinator.conflicts(openOnly: true))?.isEmpty == false })
            let flag = try #require(try await hub.coordinator.conflicts(openOnly: true).first)
            #expect(flag.kind == "scalper.too-fast")
            #expect(flag.sides.count == 2)
            // A flag has no winner to override…
            await #expect(throws: AdminError.self) {
                try await hub.coordinator.resolveConflict(
                    flag.key, override: flag.sides[0]["event"], note: "x", actor: "op")
            }
            // …but accepting it settles it, at the hub and at the counter.
            try await hub.coordinator.resolveConflict(
                flag.key, override: nil, note: "known reseller", actor: "operator:li")
            #expect(try await hub.coordinator.conflicts(openOnly: true).isEmpty)
            let settled = try #require(try await hub.coordinator.conflicts().first { $0.key == flag.key })
            #expect(settled.resolution == "accepted")
            #expect(settled.resolvedBy == "operator:li")
            // The flag lives on the channel of the use that raised it (whichever reached the hub second).
            let counter = try #require(counters[flag.mall])
            #expect(
                await eventually {
                    (try? await counter.row(table: "conflicts", key: flag.key))?.values["status"] == .text("resolved")
                })
            await #expect(throws: AdminError.self) {
                try await hub.coordinator.resolveConflict("no-such-conflict", override: nil, note: "x", actor: "op")
            }
        }
    }
}

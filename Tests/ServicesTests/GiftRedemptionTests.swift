import BrokerHarness
import Foundation
import MallDomain
import ServiceLifecycle
import Services
import SyncCore
import Testing

/// Gift codes issued at the hub and redeemed at counters with real SQLite
/// replicas, synced over the in-memory broker.
@Suite struct GiftRedemptionTests {
    static let member = HubCoordinator.Engine.FleetMember(mall: InMemoryFleet.mall, role: .gift)
    static let day: Int64 = 86_400_000

    static func caller(_ node: String) -> Caller { .device(node: node, permissions: [.giftRedeem]) }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func issue(_ hub: Hub, member: String = "m-1") async throws -> IssuedGiftCode {
        try await hub.gifts.issueGiftCode(
            mall: InMemoryFleet.mall, member: member, gift: "tea-set", validFrom: nil, validTo: now() + day,
            actor: "test")
    }

    static func arrived(_ code: IssuedGiftCode, at counters: NodeCoordinator...) async -> Bool {
        await eventually {
            for counter in counters {
                guard (try? await counter.row(table: "gift_codes", key: code.codeId))?.isVisible == true,
                    (try? await counter.row(
                        table: "gift_keys", key: GiftIssuer.keyRow(code.keyId, mall: code.mall)))?.isVisible == true
                else { return false }
            }
            return true
        }
    }

    @Test func oneCodeRedeemedAtTwoOfflineCountersIsRuledByTheHubAndBothCountersLearn() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: ["c1": Self.member, "c2": Self.member])
        let (c1, c1Service) = try fleet.node("c1", role: .gift)
        let (c2, c2Service) = try fleet.node("c2", role: .gift)
        let group = ServiceGroup(
            configuration: .init(services: [hubService, c1Service, c2Service], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            // Given a code issued at the hub has reached both counters,
            let code = try await Self.issue(hub)
            #expect(code.text.hasPrefix("MG2:"))
            #expect(await Self.arrived(code, at: c1, c2))
            // when both counters are offline and each redeems it,
            fleet.broker.partition("c1")
            fleet.broker.partition("c2")
            let first = try await c1.redeemGift(code.text, caller: Self.caller("c1"))
            let second = try await c2.redeemGift(code.text, caller: Self.caller("c2"))
            #expect(first.refusal == nil && second.refusal == nil)
            #expect(first.token?.member == "m-1")
            // (a second scan at the same counter is refused with when and where),
            let again = try await c1.redeemGift(code.text, caller: Self.caller("c1"))
            #expect(again.refusal == .alreadyRedeemed(at: Int64(first.at), counter: "c1", here: true))
            fleet.broker.heal("c1")
            fleet.broker.heal("c2")
            // then the hub rules by the single-use rule and both counters learn which one stood.
            #expect(
                await eventually {
                    let one = try? await c1.giftCodeStatus(code.codeId)
                    let two = try? await c2.giftCodeStatus(code.codeId)
                    return one?.conflict != nil && one?.conflict == two?.conflict && one?.redemptions.count == 2
                })
            let status = try await c2.giftCodeStatus(code.codeId)
            let winner = try #require(status.conflict?["winner"]?.textValue)
            #expect([first.redemption, second.redemption].contains(winner))
            #expect(status.conflict?["claims"] == .int(2))
            // And a later scan anywhere is refused, naming the earliest redemption.
            let late = try await c2.redeemGift(code.text, caller: Self.caller("c2"))
            guard case .alreadyRedeemed(_, let counter, _)? = late.refusal else {
                Issue.record("expected already redeemed, got \(String(describing: late.refusal))")
                return
            }
            #expect(["c1", "c2"].contains(counter))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func revocationAndKeyRotationReachTheCounter() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: ["c1": Self.member])
        let (c1, c1Service) = try fleet.node("c1", role: .gift)
        let group = ServiceGroup(configuration: .init(services: [hubService, c1Service], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            let revoked = try await Self.issue(hub, member: "m-2")
            let old = try await Self.issue(hub, member: "m-3")
            // Given the hub rotates its key after issuing `old`, and revokes `revoked`,
            let newKeys = try await hub.gifts.rotateGiftKey(actor: "test")
            #expect(newKeys == ["m2", "g1"])
            let fresh = try await Self.issue(hub, member: "m-4")
            #expect(fresh.keyId == "m2")
            try await hub.gifts.revokeGiftCode(revoked.codeId, reason: "reported stolen", actor: "test")
            #expect(await Self.arrived(fresh, at: c1))
            #expect(
                await eventually {
                    (try? await c1.row(table: "gift_revocations", key: revoked.codeId))?.isVisible == true
                })
            // then the counter refuses the revoked code, and still honours the old key's code.
            let refused = try await c1.redeemGift(revoked.text, caller: Self.caller("c1"))
            #expect(refused.refusal == .revoked(reason: "reported stolen"))
            #expect(try await c1.redeemGift(old.text, caller: Self.caller("c1")).refusal == nil)
            #expect(try await c1.redeemGift(fresh.text, caller: Self.caller("c1")).refusal == nil)
            // A code the hub never signed is refused too.
            var forged = Array(fresh.text)
            forged[10] = forged[10] == "A" ? "B" : "A"
            let outcome = try await c1.redeemGift(String(forged), caller: Self.caller("c1"))
            #expect(outcome.refusal != nil)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func aCodeIsRedeemedOnlyInItsMallUnlessGroupWide() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: [
            "sh": .init(mall: "mall-sh", role: .gift), "bj": .init(mall: "mall-bj", role: .gift),
        ])
        let (shanghai, shService) = try fleet.node("sh", role: .gift, mall: "mall-sh")
        let (beijing, bjService) = try fleet.node("bj", role: .gift, mall: "mall-bj")
        let group = ServiceGroup(
            configuration: .init(services: [hubService, shService, bjService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            // Given a Shanghai code and a group-wide code issued in Shanghai,
            let local = try await hub.gifts.issueGiftCode(
                mall: "mall-sh", member: "m-1", gift: "tea", validFrom: nil, validTo: Self.now() + Self.day,
                actor: "test")
            let shared = try await hub.gifts.issueGiftCode(
                mall: "mall-sh", groupWide: true, member: "m-2", gift: "tea", validFrom: nil,
                validTo: Self.now() + Self.day, actor: "test")
            #expect(local.keyId == "m1" && shared.keyId == "g1")
            #expect(await Self.arrived(local, at: shanghai))
            #expect(
                await eventually {
                    (try? await beijing.row(table: "gift_keys", key: GiftIssuer.keyRow("g1", mall: "mall-bj")))?
                        .isVisible == true
                })
            // then Beijing refuses the Shanghai code, and honours the group-wide one,
            let refused = try await beijing.redeemGift(local.text, caller: Self.caller("bj"))
            #expect(refused.refusal == .otherMall)
            #expect(try await beijing.redeemGift(shared.text, caller: Self.caller("bj")).refusal == nil)
            #expect(try await shanghai.redeemGift(local.text, caller: Self.caller("sh")).refusal == nil)
            // and revoking the group-wide code reaches every mall.
            try await hub.gifts.revokeGiftCode(shared.codeId, reason: "reported stolen", actor: "test")
            // Each mall's revocation row travels on that mall's channel, so
            // the two arrive in either order (the issuing mall's is keyed by
            // the code alone).
            for (counter, key) in [(beijing, "mall-bj:\(shared.codeId)"), (shanghai, shared.codeId)] {
                #expect(
                    await eventually {
                        (try? await counter.row(table: "gift_revocations", key: key))?.isVisible == true
                    })
            }
            #expect(
                try await shanghai.redeemGift(shared.text, caller: Self.caller("sh")).refusal
                    == .revoked(reason: "reported stolen"))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

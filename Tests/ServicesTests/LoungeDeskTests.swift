import BrokerHarness
import Foundation
import MallDomain
import ServiceLifecycle
import Services
import SyncCore
import Testing

/// Lounge check-ins at a desk node whose members come from the hub.
@Suite struct LoungeDeskTests {
    static let caller = Caller.device(node: "l1", permissions: [.loungeCheckIn, .loungeCheckOut])

    static func member(_ id: String, card: String, guests: Int64) -> LocalWrite {
        .insert(
            "members", id,
            [
                "name": .text("Member \(id)"), "tier": .text("gold"), "card_no": .text(card),
                "guests_allowed": .int(guests),
            ])
    }

    @Test func checkInsFollowTierRoomAndOpenVisitsAndOverstaysClose() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(
            fleet: ["l1": .init(mall: InMemoryFleet.mall, role: .lounge)])
        let (desk, deskService) = try fleet.node(
            "l1", role: .lounge, policies: EdgePolicies(lounge: .init(capacity: 4, maxStayMillis: 60_000)))
        let group = ServiceGroup(configuration: .init(services: [hubService, deskService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            try await hub.coordinator.write(
                [
                    Self.member("m1", card: "C-001", guests: 2), Self.member("m2", card: "C-002", guests: 3),
                    Self.member("m3", card: "C-003", guests: 0),
                ], mall: InMemoryFleet.mall, decision: "test")
            #expect(await eventually { (try? await desk.row(table: "members", key: "m3"))?.isVisible == true })

            // By card, with a guest the tier allows: admitted, with name and tier.
            let first = try await desk.checkIn(memberOrCard: " C-001 ", guests: 1, caller: Self.caller)
            #expect(first.refusal == nil)
            #expect(first.member?.name == "Member m1")
            #expect(first.occupancy == 2)
            // Already inside, too many guests, no room, unknown: each refused with its reason.
            #expect(
                try await desk.checkIn(memberOrCard: "m1", guests: 0, caller: Self.caller).refusal?.reason
                    == "already inside")
            #expect(
                try await desk.checkIn(memberOrCard: "C-003", guests: 1, caller: Self.caller).refusal
                    == .tooManyGuests(allowed: 0))
            #expect(
                try await desk.checkIn(memberOrCard: "m2", guests: 2, caller: Self.caller).refusal
                    == .full(capacity: 4, free: 2))
            #expect(
                try await desk.checkIn(memberOrCard: "nobody", guests: 0, caller: Self.caller).refusal == .unknownMember
            )
            // Each refusal is audited, with who asked and why.
            let refusals = try await desk.recentAudit(limit: 20).filter {
                $0.action == "lounge.check-in" && $0.outcome.hasPrefix("refused: ")
            }
            #expect(
                refusals.map(\.target).sorted() == ["m1", "m2", "m3", "unknown member"],
                "\(refusals.map { "\($0.target) \($0.outcome)" })")
            #expect(refusals.allSatisfy { $0.actor == Self.caller.actor })
            // A member the hub bars is refused at the desk until the bar ends.
            let until = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
            try await hub.coordinator.write(
                [.insert("lounge_bans", "bar-m2", ["member_id": .text("m2"), "until": .int(until)])],
                mall: InMemoryFleet.mall, decision: "test")
            #expect(await eventually { (try? await desk.row(table: "lounge_bans", key: "bar-m2"))?.isVisible == true })
            let barred = try await desk.checkIn(memberOrCard: "C-002", guests: 0, caller: Self.caller)
            #expect(barred.refusal == .barred(until: until))
            #expect(barred.refusal?.reason == "barred")
            // A closure the hub writes closes the desk to everyone until it ends.
            let closedUntil = Int64(Date().timeIntervalSince1970 * 1000) + 600_000
            try await hub.coordinator.write(
                [.insert("lounge_closures", "close-1", ["from": .int(0), "until": .int(closedUntil)])],
                mall: InMemoryFleet.mall, decision: "test")
            #expect(
                await eventually { (try? await desk.row(table: "lounge_closures", key: "close-1"))?.isVisible == true })
            let closed = try await desk.checkIn(memberOrCard: "C-003", guests: 0, caller: Self.caller)
            #expect(closed.refusal == .closed(until: closedUntil))
            #expect(closed.refusal?.reason == "closed")
            try await hub.coordinator.write(
                [.delete("lounge_closures", "close-1")], mall: InMemoryFleet.mall, decision: "test")
            #expect(
                await eventually { (try? await desk.row(table: "lounge_closures", key: "close-1"))?.isVisible == false }
            )
            // Checking out frees the places.
            let out = try #require(try await desk.checkOut(memberOrCard: "m1", caller: Self.caller))
            #expect(out.occupancy == 0)
            #expect(try await desk.checkOut(memberOrCard: "m1", caller: Self.caller) == nil)
            // A visit left open past the maximum stay (a member who left an
            // hour ago without checking out) is closed by the desk itself, at
            // its next sweep (every ten seconds at most).
            let visit = "lv-left-without-checking-out"
            let anHourAgo = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
            _ = try await desk.commit(
                [
                    .insert(
                        "lounge_visits", visit,
                        [
                            "member_id": .text("m2"), "guests": .int(2), "status": .text("open"),
                            "checked_in_at": .int(anHourAgo),
                        ])
                ], decision: "test")
            #expect(
                await eventually(seconds: 30) {
                    (try? await desk.row(table: "lounge_visits", key: visit))?.values["closed_by"] == .text("max-stay")
                })
            // and the hub has every visit.
            #expect(
                await eventually {
                    (try? await hub.coordinator.row(table: "lounge_visits", key: visit))?.values["status"]
                        == .text("closed")
                })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

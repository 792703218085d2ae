import BrokerHarness
import Foundation
import MallDomain
import ServiceLifecycle
import Services
import Simulation
import SyncCore
import Testing

/// Gate decisions at nodes with real SQLite replicas, synced through the hub
/// over the in-memory broker.
@Suite struct GateDecisionTests {
    static let member = HubCoordinator.Engine.FleetMember(mall: InMemoryFleet.mall, role: .gate)
    static let hour: Int64 = 3_600_000

    static func read(_ plate: String, _ direction: GateDecider.Direction = .entering) -> GateRead {
        GateRead(
            lane: "north-1", direction: direction, plate: PlateMatcher.Read(text: plate, confidence: 0.97))
    }

    static func reservation(_ id: String, plate: String, status: String = "booked") -> LocalWrite {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return .insert(
            "reservations", id,
            [
                "member_id": .text("m-\(id)"), "plate": .text(plate), "zone": .text("B2"),
                "window_start": .int(now - hour), "window_end": .int(now + hour), "status": .text(status),
            ])
    }

    @Test func oneReservationEnteredAtTwoOfflineGatesBecomesAConflictBothGatesLearn() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: ["g1": Self.member, "g2": Self.member])
        let (g1, g1Service) = try fleet.node("g1")
        let (g2, g2Service) = try fleet.node("g2")
        let group = ServiceGroup(
            configuration: .init(services: [hubService, g1Service, g2Service], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            // Given a reservation issued at the hub has reached both gates,
            try await hub.coordinator.write(
                [Self.reservation("r1", plate: "皖A·12345")], mall: InMemoryFleet.mall, decision: "test")
            #expect(
                await eventually {
                    let first = try? await g1.row(table: "reservations", key: "r1")
                    let second = try? await g2.row(table: "reservations", key: "r1")
                    return first?.isVisible == true && second?.isVisible == true
                })
            // when both gates are cut off and the car's plate enters at each,
            fleet.broker.partition("g1")
            fleet.broker.partition("g2")
            let north = try await g1.decideGate(Self.read("皖A12345"))
            let south = try await g2.decideGate(Self.read("皖A12345"))
            #expect(north.decision.verdict == .admit)
            #expect(south.decision.verdict == .admit)
            // (a second read at the same gate is referred: the car is inside by its replica),
            let again = try await g1.decideGate(Self.read("皖A12345"))
            #expect(again.decision.verdict == .refer)
            #expect(again.decision.reason == .alreadyInside)
            fleet.broker.heal("g1")
            fleet.broker.heal("g2")
            // then the hub records a double entry, and both gates learn which passage stood.
            let key = "parking.double-entry:r1"
            #expect(
                await eventually {
                    let first = try? await g1.row(table: "conflicts", key: key)
                    let second = try? await g2.row(table: "conflicts", key: key)
                    return first?.isVisible == true && first?.values == second?.values
                })
            let conflict = try #require(try await g1.row(table: "conflicts", key: key)).values
            #expect([north.key, south.key].contains(conflict["winner"]?.textValue ?? ""))
            #expect(conflict["claims"] == .int(2), "the referred read is evidence, not a use")
            let passage = try #require(try await g2.row(table: "gate_passages", key: north.key)).values
            #expect(passage["plate"] == .text("皖A12345"))
            #expect(passage["rule"] == .text("exact"))
            #expect(passage["confidence"] == .int(970))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func aReservationChangedAtTheHubChangesTheGatesDecision() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: ["g1": Self.member])
        let (g1, g1Service) = try fleet.node("g1")
        let group = ServiceGroup(configuration: .init(services: [hubService, g1Service], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            try await hub.coordinator.write(
                [Self.reservation("r1", plate: "粤B·D1234")], mall: InMemoryFleet.mall, decision: "test")
            #expect(await eventually { (try? await g1.row(table: "reservations", key: "r1"))?.isVisible == true })
            // Given the member cancels at the hub, the gate denies with the reason.
            try await hub.coordinator.write(
                [.update("reservations", "r1", ["status": .text("cancelled")])], mall: InMemoryFleet.mall,
                decision: "test")
            #expect(
                await eventually {
                    (try? await g1.row(table: "reservations", key: "r1"))?.values["status"] == .text("cancelled")
                })
            let cancelled = try await g1.decideGate(Self.read("粤BD1234"))
            #expect(cancelled.decision.verdict == .deny)
            #expect(cancelled.decision.reason == .cancelled)
            // And a reservation deleted at the hub leaves the gate's book.
            try await hub.coordinator.write([.delete("reservations", "r1")], mall: InMemoryFleet.mall, decision: "test")
            #expect(await eventually { (try? await g1.row(table: "reservations", key: "r1"))?.isVisible == false })
            let gone = try await g1.decideGate(Self.read("粤BD1234"))
            #expect(gone.decision.reason == .noReservation)
            #expect(gone.decision.reservation == nil)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

extension GateDecisionTests {
    /// Reservation r1 (皖A12345) from the hub reaches both gates; both are cut
    /// off and admit the car; both come back. The hub then holds a double entry.
    static func makeOfflineDoubleEntry(
        hub: Hub, _ g1: NodeCoordinator, _ g2: NodeCoordinator, broker: InMemoryBroker
    ) async throws {
        try await hub.coordinator.write(
            [reservation("r1", plate: "皖A12345")], mall: InMemoryFleet.mall, decision: "test")
        #expect(
            await eventually {
                let first = try? await g1.row(table: "reservations", key: "r1")
                let second = try? await g2.row(table: "reservations", key: "r1")
                return first?.isVisible == true && second?.isVisible == true
            })
        broker.partition(g1.node)
        broker.partition(g2.node)
        #expect(try await g1.decideGate(read("皖A12345")).decision.verdict == .admit)
        #expect(try await g2.decideGate(read("皖A12345")).decision.verdict == .admit)
        broker.heal(g1.node)
        broker.heal(g2.node)
    }
}

import BrokerHarness
import Foundation
import MallDomain
import ServiceLifecycle
import Services
import SyncCore
import Testing

/// A staff id locked at one node is locked at every node of its mall: the
/// lock travels as a `staff_lockouts` row on the staff channel.
@Suite struct FleetLockoutTests {
    @Test func anIdLockedAtTheCounterIsLockedAtTheLoungeDeskToo() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: [
            "c1": .init(mall: InMemoryFleet.mall, role: .gift), "d1": .init(mall: InMemoryFleet.mall, role: .lounge),
        ])
        let (counter, counterService) = try fleet.node(
            "c1", role: .gift, policies: EdgePolicies(deviceTokens: [NodeAPITests.token]))
        let (desk, deskService) = try fleet.node("d1", role: .lounge)
        let group = ServiceGroup(
            configuration: .init(services: [hubService, counterService, deskService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            try await hub.coordinator.setStaff(
                mall: InMemoryFleet.mall, id: "s1", name: "Li Na", roles: [.giftStaff, .loungeStaff],
                pinHash: try StaffAPITests.pinHash("246813"), active: true, actor: "test")
            #expect(await eventually { (try? await desk.row(table: "staff", key: "s1"))?.isVisible == true })
            #expect(await eventually { (try? await counter.row(table: "staff", key: "s1"))?.isVisible == true })

            try await ServedNode.serve(counter, logger: fleet.quiet) { served in
                // Given five wrong PINs for s1 at the counter, and five for an id no one has,
                for id in ["s1", "ghost"] {
                    for _ in 0..<5 {
                        let (status, _) = try await served.post(
                            "/v1/staff/sessions", #"{"staffId":"\#(id)","pin":"999999"}"#, token: nil)
                        #expect(status == 401)
                    }
                }
            }
            // then the lounge desk, which saw none of them, refuses s1 until the lock ends,
            #expect(
                await eventually {
                    if case .locked(_, let retry, false)? = try? await desk.beginLogin(
                        staffID: "s1", address: "10.1.1.1")
                    {
                        return retry > 60_000 && retry <= 5 * 60_000
                    }
                    return false
                })
            // and only the lock on a known id travelled: "ghost" starts afresh at the desk.
            #expect(try await desk.beginLogin(staffID: "ghost", address: "10.1.1.2") == .proceed)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

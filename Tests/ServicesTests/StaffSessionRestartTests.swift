import BrokerHarness
import Foundation
import MallDomain
import ServiceLifecycle
import Services
import SyncCore
import Testing

/// Staff sessions are kept in the replica as token hashes: a node restart
/// (an upgrade, a power cut) does not fail the clerk's next scan with 401.
@Suite struct StaffSessionRestartTests {
    @Test func aSessionSurvivesARestartAndOnlyItsHashIsOnDisk() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: ["c1": .init(mall: InMemoryFleet.mall, role: .gift)])
        let (counter, counterService) = try fleet.node("c1", role: .gift)
        let group = ServiceGroup(configuration: .init(services: [hubService, counterService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            try await hub.coordinator.setStaff(
                mall: InMemoryFleet.mall, id: "s1", name: "Li Na", roles: [.giftStaff],
                pinHash: try StaffAPITests.pinHash("246813"), active: true, actor: "test")
            #expect(await eventually { (try? await counter.row(table: "staff", key: "s1"))?.isVisible == true })
            // Given a clerk logged in at the counter,
            #expect(try await counter.beginLogin(staffID: "s1", address: "10.0.0.5") == .proceed)
            let member = try await counter.staffMember("s1")
            let session = try #require(
                try await counter.finishLogin(staffID: "s1", address: "10.0.0.5", member: member, succeeded: true))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()

            // when the node restarts on its replica, the clerk's token still works, with their roles,
            let restarted = try fleet.node("c1", role: .gift).0
            let restored = try await restarted.session(for: session.token)
            #expect(restored?.staffId == "s1")
            #expect(restored?.permissions == [Permission.giftRedeem.rawValue])
            // and the token itself is nowhere in the node's files, only its hash.
            let files = try FileManager.default.contentsOfDirectory(atPath: fleet.directory.path)
                .filter { $0.hasPrefix("c1.sqlite") }
            #expect(!files.isEmpty)
            for file in files {
                let bytes = try Data(contentsOf: fleet.directory.appendingPathComponent(file))
                #expect(bytes.range(of: Data(session.token.utf8)) == nil, "\(file) holds the token")
            }
            // A logout is for good: the next restart does not bring the session back.
            try await restarted.endSession(session.token)
            #expect(try await fleet.node("c1", role: .gift).0.session(for: session.token) == nil)
        }
    }
}

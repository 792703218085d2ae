import Foundation
import ServiceLifecycle
import Services
import Storage
import StorageFaults
import SyncCore
import Testing

/// A store whose WAL cannot be synced (`fsync` fails, as a dying device's
/// does, while its writes still succeed): the decision waiting for the
/// sync is answered with the failure, health turns 503 with its cause,
/// and the process's service group ends with the error, so that its
/// supervisor restarts it on its file.
@Suite(.serialized, .timeLimit(.minutes(1))) struct SyncFailureTests {
    @Test func aNodeWhoseSyncFailsRefusesTheDecisionReportsItAndStops() async throws {
        try StorageFaults.install()
        defer { StorageFaults.clear() }
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (node, sync) = try fleet.node("g1")
        let watch = DurabilityWatch(groupCommit: node.groupCommit, store: node.replicaPath, logger: fleet.quiet)
        let group = ServiceGroup(configuration: .init(services: [sync, watch], logger: fleet.quiet))
        try await ServedNode.serve(node, logger: fleet.quiet) { served in
            try await withThrowingTaskGroup { tasks in
                tasks.addTask { try await group.run() }
                // Healthy first, and a decision is made and answered.
                #expect(try await served.raw("GET", "/v1/health", body: nil, token: nil).0 == 200)
                _ = try await node.decideGate(GateDecisionTests.read("皖A12345"))

                StorageFaults.inject(.syncError, intoFilesContaining: node.replicaPath)
                await #expect(throws: StorageError.self) {
                    try await node.decideGate(GateDecisionTests.read("皖A54321"))
                }
                #expect(StorageFaults.failedCalls > 0, "the sync never failed")
                let (status, body) = try await served.raw("GET", "/v1/health", body: nil, token: nil)
                let message = String(decoding: body, as: UTF8.self)
                #expect(status == 503)
                #expect(message.contains("failing") && message.contains("syncing the WAL"), "\(message)")
                // The fault gone, the store still refuses: what is on disk is unknown.
                StorageFaults.clear()
                await #expect(throws: StorageError.self) {
                    try await node.decideGate(GateDecisionTests.read("皖A67890"))
                }
                // And the service group ends with the failure: the process exits.
                do {
                    try await tasks.next()
                    Issue.record("the service group ended without an error")
                } catch let error as StorageError {
                    #expect(error.code == .durability)
                }
            }
        }
    }

    @Test func aHubWhoseSyncFailsRefusesTheWriteAndReportsIt() async throws {
        try StorageFaults.install()
        defer { StorageFaults.clear() }
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, _) = try fleet.hub(fleet: ["g1": GateDecisionTests.member])
        let write = [GateDecisionTests.reservation("r1", plate: "皖A·12345")]
        try await ServedHub.serve(hub, logger: fleet.quiet) { served in
            StorageFaults.inject(.syncError, intoFilesContaining: "\(fleet.directory.path)/hub.sqlite")
            await #expect(throws: StorageError.self) {
                try await hub.coordinator.write(write, mall: InMemoryFleet.mall, decision: "test")
            }
            StorageFaults.clear()
            let (status, body) = try await served.raw("GET", "/v1/health", body: nil, token: nil)
            #expect(status == 503, "\(String(decoding: body, as: UTF8.self))")
            #expect(hub.coordinator.groupCommit.failure?.code == .durability)
        }
    }

    /// A process shutting down stops watching: the watch returns at a graceful shutdown.
    @Test func theWatchEndsWithAGracefulShutdown() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (node, sync) = try fleet.node("g1")
        let watch = DurabilityWatch(groupCommit: node.groupCommit, store: node.replicaPath, logger: fleet.quiet)
        let group = ServiceGroup(configuration: .init(services: [sync, watch], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            _ = try await node.decideGate(GateDecisionTests.read("皖A12345"))
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
        #expect(node.groupCommit.failure == nil)
    }
}

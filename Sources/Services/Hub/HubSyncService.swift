public import Logging
public import ServiceLifecycle
public import Transport

/// Keeps the hub ingesting, fanning out and publishing its status for as
/// long as the process runs; on a clean stop it marks itself offline.
public struct HubSyncService: Service {
    let hub: Hub
    let loop: SyncLoop

    public init(hub: Hub, transport: any MessageTransport, outgoing: OutgoingQueue, logger: Logger) {
        self.hub = hub
        loop = SyncLoop(
            transport: transport, outgoing: outgoing, clock: hub.coordinator.clock, tickMillis: 50,
            durable: { [groupCommit = hub.coordinator.groupCommit] in try await groupCommit.waitUntilDurable() },
            logger: logger)
    }

    public func run() async throws {
        let hub = self.hub
        await loop.run(
            prepare: { [coordinator = hub.coordinator] in coordinator.decode($0) },
            handle: { event in
                guard let accepted = await hub.coordinator.handle(event) else { return }
                for observer in hub.observers { await observer.accepted(accepted) }
            },
            tick: {
                await hub.coordinator.tick()
                await hub.history.sampleIfDue(from: hub.coordinator)
            },
            farewell: { [await hub.coordinator.offlineStatus()] })
    }
}

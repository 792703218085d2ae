public import Logging
public import ServiceLifecycle
public import Transport

/// Keeps the hub ingesting, fanning out and publishing its status for as
/// long as the process runs; on a clean stop it marks itself offline.
public struct HubSyncService: Service {
    let coordinator: HubCoordinator
    let loop: SyncLoop

    public init(coordinator: HubCoordinator, transport: any MessageTransport, outgoing: OutgoingQueue, logger: Logger) {
        self.coordinator = coordinator
        loop = SyncLoop(transport: transport, outgoing: outgoing, tickMillis: 50, logger: logger)
    }

    public func run() async throws {
        let coordinator = self.coordinator
        await loop.run(
            handle: { await coordinator.handle($0) }, tick: { await coordinator.tick() },
            farewell: { [await coordinator.offlineStatus()] })
    }
}

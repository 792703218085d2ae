public import Logging
public import ServiceLifecycle
import SyncCore
public import Transport

/// Keeps a node in sync with its hub for as long as the process runs.
public struct NodeSyncService: Service {
    let coordinator: NodeCoordinator
    let loop: SyncLoop
    let will: TransportMessage

    public init(
        coordinator: NodeCoordinator, transport: any MessageTransport, outgoing: OutgoingQueue, will: TransportMessage,
        logger: Logger
    ) {
        self.coordinator = coordinator
        self.will = will
        loop = SyncLoop(
            transport: transport, outgoing: outgoing, clock: coordinator.clock, tickMillis: 50,
            durable: { [groupCommit = coordinator.groupCommit] in try await groupCommit.waitUntilDurable() },
            logger: logger)
    }

    public func run() async throws {
        let coordinator = self.coordinator
        let will = self.will
        await loop.run(
            prepare: { coordinator.decode($0) }, handle: { await coordinator.handle($0) },
            tick: { await coordinator.tick() }, farewell: { [will] })
    }
}

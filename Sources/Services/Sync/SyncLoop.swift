import AsyncAlgorithms
import Logging
import ServiceLifecycle
import Transport

/// The loops every fleet process runs around its engine: transport events
/// in, a timer, and a publisher that drains the outgoing queue in order.
/// Each event is prepared (its message decoded and checked) as it
/// comes, while the one before is handled: a node catching up decodes the
/// next batch on one core while its engine applies this one on the other.
/// On graceful shutdown it publishes `farewell` (the node's death, the hub's
/// offline status: a clean disconnect does not fire the will) after
/// everything already queued, disconnects, and lets the loops end.
struct SyncLoop: Sendable {
    var transport: any MessageTransport
    var outgoing: OutgoingQueue
    /// The clock the timer waits on: a test's manual clock moves it by hand.
    var clock: any FleetClock
    var tickMillis: Int
    /// Returns once every commit made so far is on disk (group commit): the
    /// publisher sends nothing (a change, an ack) before what it tells of
    /// is durable.
    var durable: @Sendable () async throws -> Void
    var logger: Logger

    func run<Prepared: Sendable>(
        prepare: @escaping @Sendable (TransportEvent) -> Prepared,
        handle: @escaping @Sendable (Prepared) async -> Void, tick: @escaping @Sendable () async -> Void,
        farewell: @escaping @Sendable () async -> [TransportMessage]
    ) async {
        transport.start()
        // A channel's `send` returns once the event is taken: one event is
        // prepared ahead of the one handled, never more, in order.
        let prepared = AsyncChannel<Prepared>()
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await event in transport.events { await prepared.send(prepare(event)) }
                prepared.finish()
            }
            group.addTask {
                for await event in prepared { await handle(event) }
            }
            group.addTask {
                while !Task.isShuttingDownGracefully && !Task.isCancelled {
                    // Cancelled at shutdown: a manual clock may never be moved again.
                    try? await cancelWhenGracefulShutdown { try await clock.sleep(for: .milliseconds(tickMillis)) }
                    await tick()
                }
            }
            group.addTask {
                while true {
                    let batch = await outgoing.next()
                    guard !batch.isEmpty else { break }
                    do {
                        try await durable()
                    } catch {
                        // The protocol resends once the store is sound again.
                        logger.error("not published: the store is not durable", metadata: ["sync.error": "\(error)"])
                        continue
                    }
                    do {
                        try await transport.publish(batch)
                    } catch {
                        // Expected while the broker is away: the protocol resends.
                        logger.debug(
                            "publish failed", metadata: ["mqtt.error": "\(error)", "mqtt.count": "\(batch.count)"])
                    }
                }
                // Closed and drained, the farewell last: now disconnect.
                await transport.stop()
            }
            group.addTask {
                try? await gracefulShutdown()
                // Behind everything queued, on the one ordered publisher: a
                // node stopped just after connecting published its death
                // before its birth, and the hub saw it online for good.
                outgoing.push(await farewell())
                outgoing.close()
            }
        }
    }
}

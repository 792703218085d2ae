import BrokerHarness
import Logging
import ServiceLifecycle
import SyncCore
import Synchronization
import Testing
import Transport

@testable import Services

/// What the sync loop's publisher waits for before it sends: every commit
/// a message tells of is on disk first; a request for data goes at once, so
/// a node catching up asks for the next answer while its last batch is
/// still unsynced.
@Suite struct PublisherDurabilityTests {
    /// A transport that records what is published and never receives.
    final class RecordingTransport: MessageTransport {
        let events: AsyncStream<TransportEvent>
        private let continuation: AsyncStream<TransportEvent>.Continuation
        private let sent = Mutex<[TransportMessage]>([])

        init() { (events, continuation) = AsyncStream.makeStream() }

        var published: [TransportMessage] { sent.withLock { $0 } }
        func start() {}
        func publish(_ messages: [TransportMessage]) async throws(TransportError) { sent.withLock { $0 += messages } }
        func stop() async { continuation.finish() }
    }

    /// The group commit's wait, held until the test lets the sync finish.
    final class HeldSync: Sendable {
        private struct State {
            var done = false
            var waiters: [CheckedContinuation<Void, Never>] = []
        }

        private let state = Mutex(State())

        var waiting: Int { state.withLock { $0.waiters.count } }

        func wait() async {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state in
                    if !state.done { state.waiters.append(continuation) }
                    return state.done
                }
                if done { continuation.resume() }
            }
        }

        func finish() {
            let waiters = state.withLock { state in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    struct LoopService: Service {
        let loop: SyncLoop

        func run() async throws {
            await loop.run(prepare: { $0 }, handle: { _ in }, tick: {}, farewell: { [] })
        }
    }

    @Test func aResendRequestLeavesAtOnceAndAHeartbeatWaitsForTheSync() async throws {
        let transport = RecordingTransport()
        let outgoing = OutgoingQueue()
        let sync = HeldSync()
        let logger = Logger(label: "publisher-test", factory: { _ in SwiftLogNoOpLogHandler() })
        let loop = SyncLoop(
            transport: transport, outgoing: outgoing, clock: WallClock(), tickMillis: 1000,
            durable: { await sync.wait() }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [LoopService(loop: loop)], logger: logger))
        let channel = Channel(mall: "m", kind: .parking)
        let request = WireMessage.resend(ResendRequest(node: "g1", channel: channel, after: 500))
        let heartbeat = WireMessage.heartbeat(
            Heartbeat(
                node: "g1", epoch: 1, sentAt: 0, hlc: .zero, outboxDepth: 0, oldestUnsyncedAt: nil, outboxHead: nil,
                cursors: [ChannelPosition(channel: channel, seq: 500)]))
        #expect(!request.tellsOfCommits)
        #expect(heartbeat.tellsOfCommits)
        let asking = TransportMessage(topic: "up", payload: [1], tellsOfCommits: request.tellsOfCommits)
        let reporting = TransportMessage(topic: "up", payload: [2], tellsOfCommits: heartbeat.tellsOfCommits)
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            // Given the last batch's commit is not synced yet,
            outgoing.push([asking])
            // the request for the next answer goes without waiting for it,
            #expect(await eventually { transport.published == [asking] })
            #expect(sync.waiting == 0)
            // and the cursor's report waits until it is on disk.
            outgoing.push([reporting])
            #expect(await eventually { sync.waiting == 1 })
            #expect(transport.published == [asking])
            sync.finish()
            #expect(await eventually { transport.published == [asking, reporting] })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

import Synchronization
public import Transport

/// A `MessageTransport` connected to an `InMemoryBroker`: the fake that
/// service tests use instead of Mosquitto. It passes the same contract suite
/// as `MosquittoClient`.
public final class InMemoryTransport: MessageTransport, Sendable {
    public let events: AsyncStream<TransportEvent>
    private let continuation: AsyncStream<TransportEvent>.Continuation
    private let broker: InMemoryBroker
    private let session: Session
    private let connected = Mutex(false)
    private let stopped = Mutex(false)

    public init(broker: InMemoryBroker, session: Session) {
        self.broker = broker
        self.session = session
        (events, continuation) = AsyncStream.makeStream(of: TransportEvent.self)
    }

    public func start() {
        guard !stopped.withLock({ $0 }), !connected.withLock({ $0 }) else { return }
        _ = broker.connect(self, session: session)
    }

    public func publish(_ messages: [TransportMessage]) async throws(TransportError) {
        for message in messages {
            guard connected.withLock({ $0 }), broker.publish(message, from: session.clientID) else {
                throw TransportError(.notConnected, "not connected to the in-memory broker")
            }
        }
    }

    public func stop() async {
        stopped.withLock { $0 = true }
        if connected.withLock({ $0 }) { broker.disconnect(clientID: session.clientID, publishWill: false) }
        connected.withLock { $0 = false }
        continuation.finish()
    }

    /// The process vanished: the broker publishes the will; the transport ends.
    public func kill() {
        stopped.withLock { $0 = true }
        broker.disconnect(clientID: session.clientID, publishWill: true)
        connected.withLock { $0 = false }
        continuation.finish()
    }

    func connectionEstablished(sessionPresent: Bool) {
        connected.withLock { $0 = true }
        continuation.yield(.connected(sessionPresent: sessionPresent))
    }

    func connectionLost(reason: String) {
        let was = connected.withLock { state in
            defer { state = false }
            return state
        }
        if was { continuation.yield(.disconnected(reason: reason)) }
    }

    func deliver(_ message: TransportMessage) {
        continuation.yield(.message(message))
    }
}

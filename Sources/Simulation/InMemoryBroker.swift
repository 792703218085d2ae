import Synchronization
import Transport

/// An in-process MQTT broker for `InMemoryTransport`s, with Mosquitto's
/// failure modes available on demand: persistent sessions whose queues drop
/// silently past `maxQueued`, last wills, retained messages, partitions of
/// single clients, dropped publishes, and a crash that forgets every session.
///
/// Deliveries happen synchronously inside `publish`, in publish order, so a
/// test sees exactly what a QoS 1 subscriber would, without a network.
public final class InMemoryBroker: Sendable {
    private struct SessionState {
        var subscriptions: [String] = []
        /// Subscribed at QoS 0 (`Session.latestOnly`): nothing queued while away.
        var latestOnly: Set<String> = []
        var queue: [TransportMessage] = []
        var will: TransportMessage?
        var client: InMemoryTransport?
    }

    private struct State {
        var sessions: [String: SessionState] = [:]
        var retained: [String: TransportMessage] = [:]
        var partitioned: Set<String> = []
        var dropNextPublishes = 0
        var dropped = 0
        var up = true
        /// Clients that asked to connect while partitioned or while the broker was down.
        var waiting: [String: InMemoryTransport] = [:]
    }

    private let state = Mutex(State())
    public let maxQueued: Int

    public init(maxQueued: Int = 1000) {
        self.maxQueued = maxQueued
    }

    /// Messages dropped: queue overflow and injected drops.
    public var dropped: Int { state.withLock { $0.dropped } }

    // MARK: Fault injection

    /// Cuts a client off (its will is published) and refuses it until `heal`.
    public func partition(_ clientID: String) {
        let client = state.withLock { state -> InMemoryTransport? in
            state.partitioned.insert(clientID)
            return state.sessions[clientID]?.client
        }
        if let client { drop(client, clientID: clientID, reason: "partitioned", publishWill: true) }
    }

    public func heal(_ clientID: String) {
        let client = state.withLock { state -> InMemoryTransport? in
            state.partitioned.remove(clientID)
            return state.waiting.removeValue(forKey: clientID)
        }
        client?.start()
    }

    /// The next `count` publishes are acknowledged and then lost, like a
    /// broker dropping past its limits.
    public func dropNext(_ count: Int) {
        state.withLock { $0.dropNextPublishes += count }
    }

    /// The broker dies with nothing saved: sessions, queues and retained
    /// messages are gone and every client is disconnected (no wills).
    public func crash() {
        let clients = state.withLock { state -> [(String, InMemoryTransport)] in
            state.up = false
            let clients = state.sessions.compactMap { id, session in session.client.map { (id, $0) } }
            state.sessions = [:]
            state.retained = [:]
            return clients
        }
        for (id, client) in clients {
            client.connectionLost(reason: "broker crashed")
            state.withLock { $0.waiting[id] = client }
        }
    }

    public func restart() {
        let waiting = state.withLock { state in
            state.up = true
            defer { state.waiting = state.waiting.filter { state.partitioned.contains($0.key) } }
            return state.waiting.filter { !state.partitioned.contains($0.key) }
        }
        for client in waiting.values { client.start() }
    }

    // MARK: Used by InMemoryTransport

    func connect(_ client: InMemoryTransport, session: Session) -> Bool {
        let (accepted, backlog, sessionPresent) = state.withLock {
            state -> (Bool, [TransportMessage], Bool) in
            guard state.up, !state.partitioned.contains(session.clientID) else {
                state.waiting[session.clientID] = client
                return (false, [], false)
            }
            let present = state.sessions[session.clientID] != nil
            var entry = state.sessions[session.clientID] ?? SessionState()
            entry.subscriptions = session.subscriptions
            entry.latestOnly = session.latestOnly
            entry.will = session.will
            entry.client = client
            let backlog = entry.queue
            entry.queue = []
            state.sessions[session.clientID] = entry
            let retained = state.retained.values.filter { message in
                session.subscriptions.contains { TopicFilter.matches($0, message.topic) }
            }.sorted { $0.topic < $1.topic }
            return (true, backlog + retained, present)
        }
        guard accepted else { return false }
        client.connectionEstablished(sessionPresent: sessionPresent)
        for message in backlog { client.deliver(message) }
        return true
    }

    func disconnect(clientID: String, publishWill: Bool) {
        let will = state.withLock { state -> TransportMessage? in
            state.waiting[clientID] = nil
            guard var entry = state.sessions[clientID], entry.client != nil else { return nil }
            entry.client = nil
            state.sessions[clientID] = entry
            return publishWill ? entry.will : nil
        }
        if let will { route(will) }
    }

    /// Returns false when the publisher is not connected.
    func publish(_ message: TransportMessage, from clientID: String) -> Bool {
        let outcome = state.withLock { state -> Bool? in
            guard state.up, state.sessions[clientID]?.client != nil else { return nil }
            if state.dropNextPublishes > 0 {
                state.dropNextPublishes -= 1
                state.dropped += 1
                return false
            }
            return true
        }
        guard let deliver = outcome else { return false }
        if deliver { route(message) }
        return true
    }

    private func route(_ message: TransportMessage) {
        let online = state.withLock { state -> [InMemoryTransport] in
            if message.retained { state.retained[message.topic] = message }
            var online: [InMemoryTransport] = []
            for id in state.sessions.keys.sorted() {
                let subscriptions = state.sessions[id]!.subscriptions
                guard subscriptions.contains(where: { TopicFilter.matches($0, message.topic) }) else { continue }
                if let client = state.sessions[id]!.client {
                    online.append(client)
                } else if !subscriptions.contains(where: {
                    !state.sessions[id]!.latestOnly.contains($0) && TopicFilter.matches($0, message.topic)
                }) {
                    // Matched at QoS 0 only: not queued for a client away.
                    continue
                } else if state.sessions[id]!.queue.count < maxQueued {
                    state.sessions[id]!.queue.append(message)
                } else {
                    state.dropped += 1
                }
            }
            return online
        }
        for client in online { client.deliver(message) }
    }

    private func drop(_ client: InMemoryTransport, clientID: String, reason: String, publishWill: Bool) {
        disconnect(clientID: clientID, publishWill: publishWill)
        state.withLock { $0.waiting[clientID] = client }
        client.connectionLost(reason: reason)
    }
}

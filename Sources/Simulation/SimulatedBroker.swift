import SyncCore

/// A broker that fails the way Mosquitto does (see `shared/FACTS.md`):
/// persistent sessions queue QoS 1 messages for offline clients but drop them
/// silently past `maxQueued`; state is saved only at autosave points, so a
/// crash loses every queued message and session since the last one; a client
/// that vanishes has its last will published.
final class SimulatedBroker {
    struct Delivery {
        var topic: String
        var message: WireMessage
    }

    struct Session {
        var subscriptions: [String] = []
        var queue: [Delivery] = []
        var will: Delivery?
        var willRetained = false
        var connected = false
    }

    private(set) var up = true
    private var sessions: [String: Session] = [:]
    private var retained: [String: WireMessage] = [:]
    private var saved: (sessions: [String: Session], retained: [String: WireMessage]) = ([:], [:])
    let maxQueued: Int
    private(set) var dropped = 0
    /// Subscribers of each topic seen, sorted. Subscriptions rarely change and
    /// matching filters is the costliest thing the broker does.
    private var subscribersByTopic: [String: [String]] = [:]

    init(maxQueued: Int) {
        self.maxQueued = maxQueued
    }

    /// A client (re)connects with a persistent session: it gets what was
    /// queued for it, then the retained messages its subscriptions match.
    func connect(_ client: String, subscriptions: [String], will: Delivery?, willRetained: Bool) -> [Delivery] {
        var session = sessions[client] ?? Session()
        session.connected = true
        if session.subscriptions != subscriptions { subscribersByTopic = [:] }
        session.subscriptions = subscriptions
        session.will = will
        session.willRetained = willRetained
        let queued = session.queue
        session.queue = []
        sessions[client] = session
        let retainedMatches = retained.keys.sorted().filter { topic in
            subscriptions.contains { TopicFilter.matches($0, topic) }
        }.map { Delivery(topic: $0, message: retained[$0]!) }
        return queued + retainedMatches
    }

    /// The client's connection ended. Unless it said goodbye, its will goes out.
    func disconnect(_ client: String, graceful: Bool) -> [(client: String, delivery: Delivery)] {
        guard var session = sessions[client], session.connected else { return [] }
        session.connected = false
        sessions[client] = session
        guard !graceful, let will = session.will else { return [] }
        return publish(will, retain: session.willRetained)
    }

    /// Routes a message: returns deliveries for connected subscribers and
    /// queues for disconnected ones.
    func publish(_ delivery: Delivery, retain: Bool) -> [(client: String, delivery: Delivery)] {
        if retain { retained[delivery.topic] = delivery.message }
        var out: [(String, Delivery)] = []
        for client in subscribers(of: delivery.topic) {
            if sessions[client]!.connected {
                out.append((client, delivery))
            } else {
                enqueue(delivery, for: client)
            }
        }
        return out
    }

    private func subscribers(of topic: String) -> [String] {
        if let cached = subscribersByTopic[topic] { return cached }
        let matching = sessions.keys.sorted().filter { client in
            sessions[client]!.subscriptions.contains { TopicFilter.matches($0, topic) }
        }
        subscribersByTopic[topic] = matching
        return matching
    }

    /// A delivery that did not reach its client goes back to the session, as
    /// an unacknowledged QoS 1 message does.
    func requeue(_ delivery: Delivery, for client: String) {
        guard sessions[client] != nil else { return }
        enqueue(delivery, for: client)
    }

    private func enqueue(_ delivery: Delivery, for client: String) {
        if sessions[client]!.queue.count >= maxQueued {
            dropped += 1
        } else {
            sessions[client]!.queue.append(delivery)
        }
    }

    func autosave() {
        saved = (sessions, retained)
    }

    /// `kill -9`: everything since the last autosave is gone.
    func crash() {
        up = false
        sessions = saved.sessions
        retained = saved.retained
        subscribersByTopic = [:]
        for client in sessions.keys { sessions[client]!.connected = false }
    }

    func restart() {
        up = true
    }
}

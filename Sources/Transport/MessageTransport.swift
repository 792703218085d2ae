/// A publish/subscribe connection to a broker with MQTT's QoS 1 semantics:
/// at least once, possibly duplicated, possibly lost when the broker's limits
/// or a crash bite. The sync protocol never relies on more than that.
///
/// Implementations: `MosquittoClient` (libmosquitto, the real broker) and
/// `InMemoryTransport` (tests, with fault injection). Both pass the contract
/// suite in `TransportTests`.
///
/// - `start()` begins connecting and keeps reconnecting with backoff until
///   `stop()`; progress arrives as `events`.
/// - `publish` hands messages to the broker in order and returns once the
///   broker acknowledged every one of them (PUBACK). It fails at once with
///   `notConnected` when there is no connection, so nothing piles up in
///   memory while the broker is away: the caller's outbox is the queue.
/// - `stop()` disconnects cleanly: the broker does not publish the will.
public protocol MessageTransport: AnyObject, Sendable {
    var events: AsyncStream<TransportEvent> { get }
    func start()
    func publish(_ messages: [TransportMessage]) async throws(TransportError)
    func stop() async
}

/// What every transport needs to know to connect as one fleet member.
public struct Session: Hashable, Sendable {
    /// A stable client id: the broker keeps the session (subscriptions and
    /// queued QoS 1 messages) under it across reconnects.
    public var clientID: String
    /// Topic filters subscribed on every connect, at QoS 1 but those in `latestOnly`.
    public var subscriptions: [String]
    /// Those of `subscriptions` that carry a retained state of which only
    /// the latest matters (the hub's status, published every second):
    /// subscribed at QoS 0, so the broker queues none of them for the
    /// client while it is away (they would fill the queue its QoS 1
    /// messages share: 1,000 per client by default, past which Mosquitto
    /// drops), and sends the retained one as the client subscribes again.
    public var latestOnly: Set<String>
    /// Published by the broker when the connection dies without a clean stop.
    public var will: TransportMessage?

    public init(
        clientID: String, subscriptions: [String], latestOnly: Set<String> = [], will: TransportMessage? = nil
    ) {
        self.clientID = clientID
        self.subscriptions = subscriptions
        self.latestOnly = latestOnly
        self.will = will
    }
}

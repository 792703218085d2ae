/// One MQTT application message, as published or received (always QoS 1).
public struct TransportMessage: Hashable, Sendable {
    public var topic: String
    public var payload: [UInt8]
    public var retained: Bool

    public init(topic: String, payload: [UInt8], retained: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.retained = retained
    }
}

/// What a transport tells its owner, in the order it happened.
public enum TransportEvent: Hashable, Sendable {
    /// Connected and subscribed: messages published from now on reach the
    /// broker, and the subscriptions are in place. `sessionPresent` says the
    /// broker kept the session (and its queued messages) from before.
    case connected(sessionPresent: Bool)
    /// The connection ended; the transport keeps reconnecting unless stopped.
    case disconnected(reason: String)
    case message(TransportMessage)
}

/// A message to publish, with where it goes. Engines return these; the
/// transport publishes them (QoS 1) after the engine's commit has returned.
public struct Outgoing: Hashable, Sendable {
    public var topic: String
    public var message: WireMessage
    public var retained: Bool

    public init(topic: String, message: WireMessage, retained: Bool = false) {
        self.topic = topic
        self.message = message
        self.retained = retained
    }
}

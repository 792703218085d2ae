public import SyncCore
public import Transport

/// A transport event with its message decoded and checked, which needs
/// nothing of the engine: the sync loop decodes the next message while the
/// engine works on this one (a node catching up, the hub taking batches from
/// many nodes, each decode on the other core).
public enum ReceivedEvent: Sendable {
    case connected
    case disconnected
    case message(topic: String, Result<CheckedMessage, WireError>)

    public init(_ event: TransportEvent, codec: WireCodec) {
        switch event {
        case .connected: self = .connected
        case .disconnected: self = .disconnected
        case .message(let message):
            self = .message(
                topic: message.topic, Result { () throws(WireError) in try codec.decodeChecked(message.payload) })
        }
    }
}

/// Why a transport operation failed. The description names the operation and
/// the broker or library reason, never a payload.
public struct TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// Not connected: nothing was handed to the broker.
        case notConnected
        /// The connection dropped before the broker acknowledged the message;
        /// it may or may not have arrived.
        case connectionLost
        /// The broker refused the message (an ACL denial under MQTT 5, say).
        case refused
        /// The client library rejected the call (bad topic, payload too large).
        case invalidRequest
        case stopped
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}

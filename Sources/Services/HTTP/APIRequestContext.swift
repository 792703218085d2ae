public import Hummingbird
public import NIOCore

/// The request context of the node's and the hub's HTTP surfaces:
/// Hummingbird's basic context plus the peer's address, which the login
/// lockouts count failures against.
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as the lockouts key it ("local" for a socket
    /// without one, as in tests that call the router directly).
    var clientAddress: String { remoteAddress?.ipAddress ?? "local" }
}

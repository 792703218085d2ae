public import Hummingbird
public import NIOCore

/// The request context of the node's and the hub's HTTP surfaces:
/// Hummingbird's basic context plus the peer's address, which the login
/// lockouts count failures against.
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Who the node's authentication middleware found behind the request's
    /// token (`NodeAuthentication`); nil outside its route group.
    var caller: Caller?
    /// Who the hub's admin middleware found: `admin` or `operator:ID`
    /// (`AdminAuthentication`); nil outside its route groups.
    var adminActor: String?
    /// The console session the hub's console middleware found
    /// (`ConsoleAuthentication`); nil outside its route group.
    var consoleSession: ConsoleSession?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as the lockouts key it ("local" for a socket
    /// without one, as in tests that call the router directly).
    var clientAddress: String { remoteAddress?.ipAddress ?? "local" }

    /// The authenticated caller; a 401 when no authentication ran, so a
    /// handler registered outside the authenticated group fails closed.
    func authenticatedCaller() throws -> Caller {
        guard let caller else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "log in first")
        }
        return caller
    }

    /// The authenticated admin actor; a 401 when no authentication ran.
    func authenticatedAdmin() throws -> String {
        guard let adminActor else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "admin token required")
        }
        return adminActor
    }

    /// The authenticated console session; a 401 when no authentication ran.
    func authenticatedConsoleSession() throws -> ConsoleSession {
        guard let consoleSession else { throw HTTPError(.unauthorized, message: "log in at the console first") }
        return consoleSession
    }
}

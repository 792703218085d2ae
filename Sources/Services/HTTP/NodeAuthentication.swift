import Hummingbird
import MallDomain

/// Who may call the node's API, as Hummingbird middleware on the route group
/// of every call but health, sync state, login and the desk page: before any
/// handler runs, the request's bearer token must be the device token from
/// the node's configuration (the gate controller, compared in constant
/// time) or a staff session token from `POST /v1/staff/sessions`, and the
/// caller goes into the context; a route of the group cannot forget it. A
/// caller without the permission an action needs is refused with
/// "permission denied" (`require`), and the refusal is audited.
struct NodeAuthentication: RouterMiddleware {
    typealias Context = APIRequestContext

    let coordinator: NodeCoordinator
    let node: String
    let deviceTokens: TokenSet
    /// What the device software of this node's role may do.
    let devicePermissions: Set<Permission>

    init(coordinator: NodeCoordinator, node: String, role: String, deviceTokens: Set<String>) {
        self.coordinator = coordinator
        self.node = node
        self.deviceTokens = TokenSet(deviceTokens)
        devicePermissions = role == "gate" ? [.gateRead] : []
    }

    func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.caller = try await caller(request)
        return try await next(request, context)
    }

    /// The caller named by the request's bearer token; 401 when there is none.
    private func caller(_ request: Request) async throws -> Caller {
        guard let presented = TokenSet.bearer(of: request) else {
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                message: "log in first, or send the device token: Authorization: Bearer <token>")
        }
        if deviceTokens.contains(presented) { return .device(node: node, permissions: devicePermissions) }
        if let session = try await coordinator.session(for: presented) { return .staff(session) }
        throw HTTPError(
            .unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "unknown or expired token: log in again")
    }

    /// The caller, if allowed `permission`; else 403, audited against `target`.
    func require(_ permission: Permission, _ context: APIRequestContext, target: String = "") async throws -> Caller {
        let caller = try context.authenticatedCaller()
        guard caller.allows(permission) else {
            try? await coordinator.audit(
                caller.actor, action: permission.rawValue, target: target, outcome: "permission denied")
            throw HTTPError(.forbidden, message: "permission denied: \(caller.actor) may not \(permission.rawValue)")
        }
        return caller
    }
}

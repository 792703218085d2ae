import Hummingbird

/// Who may call the hub's admin API, as Hummingbird middleware on the route
/// group of each kind of access: before any handler runs, the request's
/// bearer token must be the admin token (tools, `mall-hub`) or, where the
/// access allows it, a console session, and the actor (`admin` or
/// `operator:ID`, for the audit log) goes into the context. A route of a
/// group cannot forget it.
struct AdminAuthentication: RouterMiddleware {
    typealias Context = APIRequestContext

    enum Access {
        /// Reading: the admin token, or any console session.
        case look
        /// Changing: the admin token, or an operator's session (a viewer's
        /// is refused and audited).
        case change
        /// Actions that stay with the admin token (raw rows, key rotation):
        /// a session that leaked must not plant rows or keys.
        case adminTokenOnly
    }

    let hub: Hub
    let tokens: TokenSet
    let access: Access

    func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.adminActor = try await actor(request)
        return try await next(request, context)
    }

    private func actor(_ request: Request) async throws -> String {
        guard let presented = TokenSet.bearer(of: request) else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "admin token required")
        }
        if tokens.contains(presented) { return "admin" }
        if access != .adminTokenOnly, let session = await hub.console.session(for: presented) {
            guard access == .look || session.role == .operator else {
                try? await hub.coordinator.auditConsole(
                    "operator:\(session.operatorId)", action: "\(request.method) \(request.uri.path)",
                    target: request.uri.path, outcome: "permission denied")
                throw HTTPError(.forbidden, message: "viewers may look but not change anything")
            }
            return "operator:\(session.operatorId)"
        }
        guard !tokens.isEmpty else {
            throw HTTPError(
                .forbidden, message: "the admin API is closed: set http.admin_token_file, or log in at the console")
        }
        throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "admin token required")
    }
}

/// The console's own routes, as Hummingbird middleware on their group:
/// before any handler runs, the request's bearer token must be an open
/// console session, which goes into the context.
struct ConsoleAuthentication: RouterMiddleware {
    typealias Context = APIRequestContext

    let sessions: ConsoleSessions

    func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let token = TokenSet.bearer(of: request), let session = await sessions.session(for: token)
        else {
            throw HTTPError(.unauthorized, message: "log in at the console first")
        }
        var context = context
        context.consoleSession = session
        return try await next(request, context)
    }
}

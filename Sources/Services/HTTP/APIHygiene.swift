import Hummingbird
import Logging
import Storage
import SyncCore
import Synchronization

/// What every route of both HTTP surfaces gets, added once to each router so
/// that no route can forget it:
/// - security headers on every answer: a CSP that forbids framing
///   (`frame-ancestors 'none'`) and loading from elsewhere, `nosniff`, no referrer;
/// - a state-changing request sent by a web page of another origin is refused
///   (403): a page elsewhere must not drive a node or the hub through a
///   clerk's or an operator's browser (device software sends no `Origin`);
/// - a method a path does not declare is answered 405 with `Allow`, not 404;
/// - a write that the schema or the role's rights refuse is 400 with the
///   reason; any other failure below the routes (the node's storage: a full
///   disk, an I/O error) is 503 with a reason, and logged.
struct APIHygiene: RouterMiddleware {
    typealias Context = APIRequestContext

    /// The declared routes, filled once every route is added (`declare`):
    /// middleware must be added before the routes it wraps.
    final class Routes: Sendable {
        private let table = Mutex<[(path: [Substring], methods: Set<HTTPRequest.Method>)]>([])

        func declare(_ routes: [Router<Context>.RouteDescription]) {
            let grouped = Dictionary(grouping: routes, by: { $0.path.description })
            table.withLock {
                $0 = grouped.map { path, routes in
                    (path.split(separator: "/"), Set(routes.map(\.method)))
                }
            }
        }

        /// The methods declared for `path`, or nil when no route has it.
        func methods(for path: String) -> Set<HTTPRequest.Method>? {
            let parts = path.split(separator: "/")
            let found = table.withLock { table in
                table.filter { route in
                    route.path.count == parts.count
                        && zip(route.path, parts).allSatisfy { pattern, part in
                            (pattern.first == "{" && pattern.last == "}") || pattern == part
                        }
                }.flatMap(\.methods)
            }
            return found.isEmpty ? nil : Set(found)
        }
    }

    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        .xContentTypeOptions: "nosniff",
        .init("X-Frame-Options")!: "DENY",
        .init("Referrer-Policy")!: "no-referrer",
    ]

    let routes: Routes
    let storageHealth: StorageHealthLog

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            try refuseCrossOrigin(request)
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
            if response.status == .notFound, let allowed = routes.methods(for: request.uri.path),
                !allowed.contains(request.method)
            {
                let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
                response = try HTTPError(
                    .methodNotAllowed, headers: [.allow: allow],
                    message: "\(request.method.rawValue) is not allowed here; allowed: \(allow)"
                ).response(from: request, context: context)
            }
        } catch let error as SyncError where error.code == .invalidWrite {
            response = try HTTPError(.badRequest, message: error.detail).response(from: request, context: context)
        } catch {
            let failure = error as? StorageUnavailable
            let underlying = failure?.underlying ?? error
            let cause = StorageFailure.cause(of: underlying)
            storageHealth.failed(cause, path: request.uri.path, error: underlying)
            let message = "\(failure?.action ?? "not done"): \(cause); \(failure?.hint ?? "try again")"
            response = try HTTPError(.serviceUnavailable, message: message).response(from: request, context: context)
        }
        if ![.get, .head, .options].contains(request.method) && (200..<300).contains(response.status.code) {
            storageHealth.succeeded()
        }
        for field in Self.securityHeaders where response.headers[field.name] == nil {
            response.headers.append(field)
        }
        return response
    }

    /// A state-changing request whose `Origin` is not this server's own.
    private func refuseCrossOrigin(_ request: Request) throws {
        guard ![.get, .head, .options].contains(request.method), let origin = request.headers[.origin] else { return }
        let host = request.head.authority ?? ""
        guard origin != "http://\(host)" && origin != "https://\(host)" else { return }
        throw HTTPError(.forbidden, message: "cross-origin request refused: \(origin.prefix(100)) is not this server")
    }
}

extension APIHygiene {
    /// Adds the middleware to a router that has no routes yet; call
    /// `Routes.declare(router.routes)` on the result once they are added.
    static func install(on router: Router<Context>, logger: Logger) -> Routes {
        let routes = Routes()
        router.add(middleware: APIHygiene(routes: routes, storageHealth: StorageHealthLog(logger: logger)))
        return routes
    }
}

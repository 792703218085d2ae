import Foundation
import Hummingbird
import MallDomain
import Storage

/// The hub console's API, behind an operator's session:
///
/// - `POST /v1/console/sessions` (operator id and password), `DELETE /v1/console/sessions/current`.
/// - `GET /v1/console/state`: the fleet, its problems, the open conflicts count.
/// - `POST /v1/console/event-tickets`: a one-use ticket for the live stream (30 s).
/// - `GET /v1/console/events?ticket=…`: the state, pushed every second (server-sent
///   events) while the session lasts.
/// - `GET /v1/console/nodes/{id}`: a node's samples over the last hours, its conflicts and audit entries.
/// - `GET /v1/console/conflicts`, `POST /v1/console/conflicts/{key}/resolution` (operators only).
/// - `GET /console` (the page) and `GET /console/chart.js` (Debian's Chart.js, served from the system).
enum ConsoleRoutes {
    struct Login: Decodable {
        var operatorId: String
        var password: String

        enum CodingKeys: String, CodingKey, CaseIterable { case operatorId, password }

        init(from decoder: any Decoder) throws {
            let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
            operatorId = try container.decode(String.self, forKey: .operatorId)
            password = try container.decode(String.self, forKey: .password)
            guard (1...128).contains(password.count) else { throw FieldError("password", "1 to 128 characters") }
        }
    }

    struct NodeDetail: ResponseEncodable {
        var node: String
        var history: [HistorySample]
        var conflicts: [ConflictEntry]
        var audit: [[String: String]]
    }

    static func add(to router: Router<APIRequestContext>, hub: Hub, chartJS: String) {
        let coordinator = hub.coordinator
        let sessions = hub.console
        let loggedIn = router.group().add(middleware: ConsoleAuthentication(sessions: sessions))
        // Chart.js may add a style element of its own.
        PageAssets.add(
            PageAssets.console, to: router,
            contentSecurityPolicy: "default-src 'self'; style-src 'self' 'unsafe-inline'")
        router.get("/console/chart.js") { _, _ -> Response in
            guard let data = FileManager.default.contents(atPath: chartJS) else {
                throw HTTPError(.notFound, message: "Chart.js is not installed at \(chartJS) (Debian: libjs-chart.js)")
            }
            return Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=86400"],
                body: .init(byteBuffer: .init(bytes: data)))
        }
        router.post("/v1/console/sessions") { request, context -> Response in
            let body = try await RequestBody.decode(Login.self, from: request)
            let address = context.clientAddress
            let admission = await sessions.beginLogin(operatorID: body.operatorId, address: address)
            if let refusal = LockoutAnswer.refusal(admission, account: "operator id") { throw refusal }
            let person = sessions.operator(body.operatorId)
            let matches = PINHash.verify(pin: body.password, against: person?.passwordHash ?? PINHash.decoy)
            try? await sessions.finishLogin(
                operatorID: body.operatorId, address: address, succeeded: matches && person != nil)
            guard matches, let person else {
                throw HTTPError(.unauthorized, message: "unknown operator or wrong password")
            }
            return try JSONBody(try await sessions.open(for: person))
                .response(from: request, context: context).withStatus(.created)
        }
        loggedIn.delete("/v1/console/sessions/current") { _, context -> HTTPResponse.Status in
            await sessions.close(try context.authenticatedConsoleSession())
            return .noContent
        }
        loggedIn.get("/v1/console/state") { _, _ -> JSONBody<ConsoleState> in
            return JSONBody(try await coordinator.consoleState())
        }
        loggedIn.post("/v1/console/event-tickets") { request, context -> Response in
            let ticket = await sessions.issueEventTicket(for: try context.authenticatedConsoleSession())
            return try JSONBody(["ticket": ticket]).response(from: request, context: context).withStatus(.created)
        }
        router.get("/v1/console/events") { request, _ -> Response in
            guard let ticket = request.uri.queryParameters["ticket"].map(String.init),
                let session = await sessions.redeemEventTicket(ticket)
            else { throw HTTPError(.unauthorized, message: "ask for a ticket first (POST /v1/console/event-tickets)") }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                body: .init { writer in
                    let encoder = JSONEncoder()
                    // Until the operator logs out or the session expires.
                    while !Task.isCancelled, await sessions.isOpen(session) {
                        let state = try await coordinator.consoleState()
                        let json = String(decoding: try encoder.encode(state), as: UTF8.self)
                        try await writer.write(ByteBuffer(string: "event: state\ndata: \(json)\n\n"))
                        try await coordinator.clock.sleep(for: .seconds(1))
                    }
                    try await writer.finish(nil)
                })
        }
        loggedIn.get("/v1/console/nodes/:id") { _, context -> NodeDetail in
            let id = try context.parameters.require("id")
            let history = await hub.history.samples(of: id)
            let conflicts = try await coordinator.conflicts(involving: id)
            return NodeDetail(
                node: id, history: history, conflicts: Array(conflicts.prefix(50)),
                audit: try await coordinator.audit(about: id, limit: 50))
        }
        loggedIn.get("/v1/console/conflicts") { _, _ -> JSONBody<[ConflictEntry]> in
            return JSONBody(try await coordinator.conflicts())
        }
        loggedIn.post("/v1/console/conflicts/:key/resolution") { request, context -> HTTPResponse.Status in
            let session = try context.authenticatedConsoleSession()
            let raw = try context.parameters.require("key")
            let key = raw.removingPercentEncoding ?? raw
            guard session.role.mayResolveConflicts else {
                try? await coordinator.auditConsole(
                    "operator:\(session.operatorId)", action: "conflict.resolve", target: key,
                    outcome: "permission denied")
                throw HTTPError(
                    .forbidden, message: "permission denied: operator:\(session.operatorId) may only view")
            }
            let body = try await RequestBody.decode(ConflictRoutes.ResolutionRequest.self, from: request)
            do {
                try await coordinator.resolveConflict(
                    key, override: body.winner, note: body.note, actor: "operator:\(session.operatorId)")
            } catch let error as AdminError {
                throw HTTPError(error.code == .notFound ? .notFound : .unprocessableContent, message: error.description)
            }
            return .created
        }
    }
}

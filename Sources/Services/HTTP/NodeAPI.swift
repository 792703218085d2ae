import Foundation
public import Hummingbird
import MallDomain
import SyncCore

/// The node's local HTTP API, for the device software beside it (the gate
/// controller, the lounge desk page, the counter scanner) and for tools.
///
/// - `GET /v1/health`: 200 while the process serves; the body says `ok`, then
///   how far each snapshot being taken has come (`NodeSyncState.healthText`,
///   as of the last event handled: it answers during a snapshot's install);
///   503 once the replica's sync failed, until the process stops (`DurabilityWatch`).
/// - `GET /v1/sync`: where this node stands with the hub.
/// - `GET /v1/rows/{table}/{key}`: one row as this replica sees it (any token),
///   without its secret columns (`SyncSchema.Table.secretColumns`).
/// - `POST /v1/writes`: raw replica writes as one decision, for the device
///   software and tools (device token only).
/// - at a gate, `POST /v1/gate/reads` and `POST /v1/gate/overrides` (`GateRoutes`).
/// - `POST /v1/staff/sessions`, `DELETE /v1/staff/sessions/current`, `GET /v1/audit`.
/// - at a gift counter, `POST /v1/gifts/redemptions`, `GET /v1/gifts/codes/{id}`.
/// - at a lounge desk, `POST /v1/lounge/check-ins`, `POST /v1/lounge/check-outs`
///   and the desk's page, `GET /lounge`.
///
/// The contract, with every field and answer, is
/// `sync-protocol/node-api.openapi.json`, kept true by `OpenAPIContractTests`.
public enum NodeAPI {
    struct WriteResponse: ResponseEncodable {
        struct Item: Encodable {
            var id: String
            var table: String
            var key: String
        }

        var changes: [Item]
    }

    struct RowResponse: ResponseEncodable {
        var table: String
        var key: String
        var visible: Bool
        var columns: [String: Value]
    }

    public static func router(coordinator: NodeCoordinator) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        let declared = APIHygiene.install(on: router, logger: coordinator.logger)
        let auth = NodeAuthentication(
            coordinator: coordinator, node: coordinator.node, role: coordinator.role,
            deviceTokens: coordinator.policies.deviceTokens)
        let authenticated = router.group().add(middleware: auth)
        StaffRoutes.add(to: router, authenticated: authenticated, auth: auth)
        // A node serves its own role's routes only: a gate override sent to a
        // gift counter is a 404, not an attempt to write what it may not.
        switch coordinator.role {
        case "gate": GateRoutes.add(to: authenticated, auth: auth)
        case "gift": GiftRoutes.add(to: authenticated, auth: auth)
        case "lounge":
            LoungeRoutes.add(to: authenticated, auth: auth)
            PageAssets.add(PageAssets.lounge, to: router, contentSecurityPolicy: "default-src 'self'")
        default: break
        }
        router.get("/v1/health") { _, _ in
            try StoreHealth.requireDurable(coordinator.groupCommit)
            return coordinator.healthText
        }
        router.get("/v1/sync") { _, _ in JSONBody(await coordinator.syncState()) }
        authenticated.get("/v1/rows/:table/:key") { _, context -> RowResponse in
            let table = try context.parameters.require("table")
            let raw = try context.parameters.require("key")
            let key = raw.removingPercentEncoding ?? raw
            guard let row = try await coordinator.row(table: table, key: key) else {
                throw HTTPError(.notFound, message: "no row \(table)/\(key) in this replica")
            }
            // Secrets (a PIN hash) never leave through the API, whoever asks.
            let secrets = SyncSchema.mall.tables[table]?.secretColumns ?? []
            return RowResponse(
                table: table, key: key, visible: row.isVisible,
                columns: row.values.filter { !secrets.contains($0.key) })
        }
        authenticated.post("/v1/writes") { request, context -> Response in
            guard case .device = try context.authenticatedCaller() else {
                throw HTTPError(.forbidden, message: "permission denied: raw writes are for the device software only")
            }
            let body = try await RequestBody.decode(WriteRequest.self, from: request)
            guard body.mall == nil else { throw HTTPError(.badRequest, message: "field mall: unknown field") }
            let writes = body.localWrites
            do {
                let changes = try await coordinator.commit(writes, decision: body.decision ?? "write")
                let response = WriteResponse(
                    changes: changes.map {
                        .init(id: $0.id.description, table: $0.table, key: $0.key)
                    })
                return try response.response(from: request, context: context).withStatus(.created)
            } catch let error as SyncError where error.code == .invalidWrite {
                throw HTTPError(.badRequest, message: error.detail)
            } catch {
                // The replica refused (disk full, I/O error): nothing was committed.
                throw StorageUnavailable(action: "not committed", hint: "try again", underlying: error)
            }
        }
        declared.declare(router.routes)
        return router
    }
}

/// Any `Encodable` as a JSON response body.
struct JSONBody<Value: Encodable & Sendable>: ResponseEncodable {
    var value: Value
    init(_ value: Value) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

extension Response {
    func withStatus(_ status: HTTPResponse.Status) -> Response {
        var copy = self
        copy.status = status
        return copy
    }
}

import Foundation
import Hummingbird
import MallDomain
import SyncCore

/// The hub's admin API for operators' tools (`mall-hub gift …`, `mall-hub
/// staff …`), behind the admin token or an operator's console session (so
/// the audit log names the person; a viewer's session may only read; raw
/// rows and key rotation take the admin token). Each feature's routes are
/// in its folder (`GiftAdminRoutes`, `StaffAdminRoutes`, `ConflictRoutes`,
/// `ImportRoutes`); this puts them behind their groups:
///
/// - `POST /v1/admin/gift-codes`: issue a code; answers its text for the QR code.
/// - `POST /v1/admin/gift-codes/{id}/revocations`: revoke a code.
/// - `POST /v1/admin/gift-keys[?mall=M]`: start signing with new keys (rotation):
///   one mall's, or every mall's and the group's.
/// - `PUT /v1/admin/staff/{id}`: create or change a staff member (a role change
///   applies to their open sessions at the nodes once it arrives; disabling ends them).
/// - `GET /v1/admin/staff[?mall=M]`: the staff, with roles and permissions (no PIN hashes).
/// - `GET /v1/admin/roles`: each role and the permissions it grants.
/// - `GET /v1/admin/fleet`: what the console shows (`mall-hub status` prints it).
/// - `GET /v1/admin/conflicts[?open=true]`: the conflict ledger, newest first.
/// - `POST /v1/admin/conflicts/{key}/resolution`: accept the rule's outcome or override it.
/// - `POST /v1/admin/imports/{members|vehicles|reservations}?mall=M`: records as CSV
///   (`text/csv`, a header row) or JSON (`{"rows": [{…}]}`); members merged by phone or
///   card, vehicles by plate, bookings by their id; all or nothing, with a per-row error report.
/// - `POST /v1/admin/rows`: raw row writes into a mall's channels (members,
///   vehicles, reservations…), one transaction: the path imports build on.
enum HubAdminRoutes {
    static func add(to router: Router<APIRequestContext>, hub: Hub) {
        let coordinator = hub.coordinator
        let tokens = TokenSet(coordinator.policies.adminTokens)
        func group(_ access: AdminAuthentication.Access) -> RouterGroup<APIRequestContext> {
            router.group().add(
                middleware: AdminAuthentication(hub: hub, tokens: tokens, access: access))
        }
        let groups = AdminRouteGroups(
            looking: group(.look), changing: group(.change), adminTokenOnly: group(.adminTokenOnly))
        let looking = groups.looking
        let adminTokenOnly = groups.adminTokenOnly
        GiftAdminRoutes.add(to: groups, hub: hub)
        ConflictRoutes.add(to: groups, coordinator: coordinator)
        ImportRoutes.add(to: groups, hub: hub)
        StaffAdminRoutes.add(to: groups, coordinator: coordinator)
        // Behind a credential: node ids, epochs and digests help an attacker
        // aim (predict another node's keys), and a digest reads every row.
        looking.get("/v1/fleet") { request, _ -> JSONBody<FleetState> in
            return JSONBody(await coordinator.fleet())
        }
        looking.get("/v1/digests") { request, _ -> JSONBody<[String: String]> in
            return JSONBody(try await coordinator.digests())
        }
        looking.get("/v1/admin/fleet") { request, _ -> JSONBody<ConsoleState> in
            return JSONBody(try await coordinator.consoleState())
        }
        adminTokenOnly.post("/v1/admin/rows") { request, context -> HTTPResponse.Status in
            let actor = try context.authenticatedAdmin()
            let body = try await RequestBody.decode(WriteRequest.self, from: request)
            guard let mall = body.mall else { throw HTTPError(.badRequest, message: "field mall: required") }
            try await admin {
                try await coordinator.writeAudited(
                    body.localWrites, mall: mall, decision: body.decision ?? "admin.rows", actor: actor)
            }
            return .created
        }
    }

    /// Runs an admin action, turning its refusals into 4xx answers.
    static func admin<T>(_ action: () async throws -> T) async throws -> T {
        do {
            return try await action()
        } catch let error as AdminError {
            switch error.code {
            case .invalid: throw HTTPError(.unprocessableContent, message: error.description)
            case .notFound: throw HTTPError(.notFound, message: error.description)
            case .unavailable: throw HTTPError(.serviceUnavailable, message: error.description)
            }
        } catch let error as SyncError where error.code == .invalidWrite {
            throw HTTPError(.unprocessableContent, message: error.detail)
        }
    }
}

/// The admin API's route groups, one per access level (see `AdminAuthentication`).
struct AdminRouteGroups {
    /// The admin token or any console session.
    var looking: RouterGroup<APIRequestContext>
    /// The admin token or an operator's session.
    var changing: RouterGroup<APIRequestContext>
    var adminTokenOnly: RouterGroup<APIRequestContext>
}

import Foundation
import Hummingbird
import MallDomain
import SyncCore

/// The hub's admin API for operators' tools (`mall-hub gift …`, `mall-hub
/// staff …`), behind the admin token or an operator's console session (so
/// the audit log names the person; a viewer's session may only read; raw
/// rows and key rotation take the admin token):
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
    /// A role and what it grants (`GET /v1/admin/roles`).
    struct RoleEntry: Codable, Sendable {
        var role: String
        var permissions: [String]
    }

    struct IssueRequest: Decodable {
        var mall: String
        var groupWide: Bool
        var member: String
        var gift: String
        var validFrom: Int64?
        /// The code's end as sent (`validTo`), or its length in days
        /// (`validDays`), counted from `validFrom` or from now when issued.
        var validity: Validity

        enum Validity {
            case until(Int64)
            case days(Int)
        }

        /// The end of validity, now being the hub's clock at issue.
        func validTo(now: UInt64) -> Int64 {
            switch validity {
            case .until(let end): end
            // Both terms are bounded above, so the sum cannot overflow.
            case .days(let days): (validFrom ?? Int64(now)) + Int64(days) * 86_400_000
            }
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case mall, groupWide, member, gift, validFrom, validTo, validDays
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
            mall = try container.decode(String.self, forKey: .mall)
            groupWide = try container.decodeIfPresent(Bool.self, forKey: .groupWide) ?? false
            member = try container.decode(String.self, forKey: .member)
            gift = try container.decode(String.self, forKey: .gift)
            let times = GiftToken.representableMillis
            let timeRange = "milliseconds since 1970, from 0 to \(times.upperBound)"
            validFrom = try container.decodeIfPresent(Int64.self, forKey: .validFrom)
            if let validFrom, !times.contains(validFrom) { throw FieldError("validFrom", timeRange) }
            let days = try container.decodeIfPresent(Int.self, forKey: .validDays)
            if let days {
                guard (1...366).contains(days) else { throw FieldError("validDays", "1 to 366") }
                validity = .days(days)
            } else {
                let validTo = try container.decode(Int64.self, forKey: .validTo)
                guard times.contains(validTo) else { throw FieldError("validTo", timeRange) }
                validity = .until(validTo)
            }
            for (name, value) in [("member", member), ("gift", gift)]
            where value.isEmpty || value.utf8.count > GiftToken.maxFieldBytes {
                throw FieldError(name, "1 to \(GiftToken.maxFieldBytes) bytes of UTF-8")
            }
        }
    }

    struct RevokeRequest: Decodable {
        var reason: String

        enum CodingKeys: String, CodingKey, CaseIterable { case reason }

        init(from decoder: any Decoder) throws {
            let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
            reason = try container.decode(String.self, forKey: .reason)
            guard (1...200).contains(reason.count) else { throw FieldError("reason", "1 to 200 characters") }
        }
    }

    struct StaffRequest: Decodable {
        var mall: String
        var name: String
        var roles: [StaffRole]
        var pin: String?
        var active: Bool

        enum CodingKeys: String, CodingKey, CaseIterable { case mall, name, roles, pin, active }

        init(from decoder: any Decoder) throws {
            let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
            mall = try container.decode(String.self, forKey: .mall)
            name = try container.decode(String.self, forKey: .name)
            let roleNames = try container.decode([String].self, forKey: .roles)
            roles = try roleNames.map { name in
                guard let role = StaffRole(rawValue: name) else {
                    throw FieldError("roles", "\(name) is not one of \(StaffRole.allCases.map(\.rawValue))")
                }
                return role
            }
            pin = try container.decodeIfPresent(String.self, forKey: .pin)
            active = try container.decodeIfPresent(Bool.self, forKey: .active) ?? true
            guard (1...100).contains(name.count) else { throw FieldError("name", "1 to 100 characters") }
            if let pin, pin.count < PINHash.minimumDigits || pin.count > 32 || !pin.allSatisfy(\.isASCIIDigit) {
                throw FieldError("pin", "\(PINHash.minimumDigits) to 32 digits")
            }
        }
    }

    struct ResolutionRequest: Decodable {
        var action: String
        var winner: String?
        var note: String

        enum CodingKeys: String, CodingKey, CaseIterable { case action, winner, note }

        init(from decoder: any Decoder) throws {
            let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
            action = try container.decode(String.self, forKey: .action)
            winner = try container.decodeIfPresent(String.self, forKey: .winner)
            note = try container.decode(String.self, forKey: .note)
            guard ["accept", "override"].contains(action) else {
                throw FieldError("action", "\"accept\" or \"override\"")
            }
            guard (action == "override") == (winner != nil) else {
                throw FieldError("winner", "required with override, and only with it")
            }
            guard (1...500).contains(note.count) else { throw FieldError("note", "1 to 500 characters") }
        }
    }

    static func add(to router: Router<APIRequestContext>, hub: Hub) {
        let coordinator = hub.coordinator
        let tokens = TokenSet(coordinator.policies.adminTokens)
        func group(_ access: AdminAuthentication.Access) -> RouterGroup<APIRequestContext> {
            router.group().add(
                middleware: AdminAuthentication(hub: hub, tokens: tokens, access: access))
        }
        let looking = group(.look)
        let changing = group(.change)
        let adminTokenOnly = group(.adminTokenOnly)
        changing.post("/v1/admin/gift-codes") { request, context -> Response in
            let actor = try context.authenticatedAdmin()
            let body = try await RequestBody.decode(IssueRequest.self, from: request)
            let issued = try await admin {
                try await hub.gifts.issueGiftCode(
                    mall: body.mall, groupWide: body.groupWide, member: body.member, gift: body.gift,
                    validFrom: body.validFrom, validTo: body.validTo(now: coordinator.clock.now()), actor: actor)
            }
            return try JSONBody(issued).response(from: request, context: context).withStatus(.created)
        }
        changing.post("/v1/admin/gift-codes/:id/revocations") { request, context -> HTTPResponse.Status in
            let actor = try context.authenticatedAdmin()
            let id = try context.parameters.require("id")
            let body = try await RequestBody.decode(RevokeRequest.self, from: request)
            try await admin { try await hub.gifts.revokeGiftCode(id, reason: body.reason, actor: actor) }
            return .created
        }
        adminTokenOnly.post("/v1/admin/gift-keys") { request, context -> Response in
            let actor = try context.authenticatedAdmin()
            let mall = request.uri.queryParameters["mall"].map(String.init)
            let ids = try await admin { try await hub.gifts.rotateGiftKey(mall: mall, actor: actor) }
            return try JSONBody(["keyIds": ids]).response(from: request, context: context).withStatus(.created)
        }
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
        looking.get("/v1/admin/conflicts") { request, _ -> JSONBody<[ConflictEntry]> in
            let openOnly = request.uri.queryParameters["open"] == "true"
            return JSONBody(try await coordinator.conflicts(openOnly: openOnly))
        }
        changing.post("/v1/admin/conflicts/:key/resolution") { request, context -> HTTPResponse.Status in
            let actor = try context.authenticatedAdmin()
            // Keys hold ':' (`parking.double-entry:r-1`), which clients may percent-encode.
            let raw = try context.parameters.require("key")
            let key = raw.removingPercentEncoding ?? raw
            let body = try await RequestBody.decode(ResolutionRequest.self, from: request)
            try await admin {
                try await coordinator.resolveConflict(key, override: body.winner, note: body.note, actor: actor)
            }
            return .created
        }
        changing.post("/v1/admin/imports/:kind") { request, context -> Response in
            let actor = try context.authenticatedAdmin()
            let name = try context.parameters.require("kind")
            guard let kind = ImportKind(rawValue: name) else {
                throw HTTPError(.notFound, message: "nothing called \(name) can be imported")
            }
            guard let mall = request.uri.queryParameters["mall"].map(String.init) else {
                throw HTTPError(.badRequest, message: "query mall: required")
            }
            let rows = try await ImportBody.rows(of: request)
            let outcome = try await admin {
                try await hub.imports.importRows(kind, mall: mall, rows: rows, actor: actor)
            }
            switch outcome {
            case .success(let summary):
                return try JSONBody(summary).response(from: request, context: context).withStatus(.created)
            case .failure(let refusal):
                let message = "\(refusal.rows.count) rows cannot be imported; nothing was"
                return try JSONBody(ImportBody.Refusal(error: .init(message: message), rows: refusal.rows))
                    .response(from: request, context: context).withStatus(.unprocessableContent)
            }
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
        looking.get("/v1/admin/staff") { request, _ -> JSONBody<[StaffEntry]> in
            let mall = request.uri.queryParameters["mall"].map(String.init)
            return JSONBody(try await admin { try await coordinator.staffList(mall: mall) })
        }
        looking.get("/v1/admin/roles") { request, _ -> JSONBody<[RoleEntry]> in
            return JSONBody(
                StaffRole.allCases.map {
                    RoleEntry(role: $0.rawValue, permissions: $0.permissions.map(\.rawValue).sorted())
                })
        }
        changing.put("/v1/admin/staff/:id") { request, context -> HTTPResponse.Status in
            let actor = try context.authenticatedAdmin()
            let id = try context.parameters.require("id")
            guard !id.isEmpty, id.utf8.count <= 64 else {
                throw HTTPError(.badRequest, message: "staff id: 1 to 64 bytes")
            }
            let body = try await RequestBody.decode(StaffRequest.self, from: request)
            let hash = try body.pin.map { try PINHash.make(pin: $0) }
            try await admin {
                try await coordinator.setStaff(
                    mall: body.mall, id: id, name: body.name, roles: body.roles, pinHash: hash, active: body.active,
                    actor: actor)
            }
            return .ok
        }
    }

    /// Runs an admin action, turning its refusals into 4xx answers.
    private static func admin<T>(_ action: () async throws -> T) async throws -> T {
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

extension Character {
    /// 0 to 9 only: `isNumber` also takes other scripts' digits and fractions.
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

import Foundation
import Hummingbird
import MallDomain
import SyncCore

/// The admin API's staff routes: the staff and their roles, create or
/// change one.
enum StaffAdminRoutes {
    /// A role and what it grants (`GET /v1/admin/roles`).
    struct RoleEntry: Codable, Sendable {
        var role: String
        var permissions: [String]
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

    static func add(to groups: AdminRouteGroups, coordinator: HubCoordinator) {
        groups.looking.get("/v1/admin/staff") { request, _ -> JSONBody<[StaffEntry]> in
            let mall = request.uri.queryParameters["mall"].map(String.init)
            return JSONBody(try await HubAdminRoutes.admin { try await coordinator.staffList(mall: mall) })
        }
        groups.looking.get("/v1/admin/roles") { request, _ -> JSONBody<[RoleEntry]> in
            return JSONBody(
                StaffRole.allCases.map {
                    RoleEntry(role: $0.rawValue, permissions: $0.permissions.map(\.rawValue).sorted())
                })
        }
        groups.changing.put("/v1/admin/staff/:id") { request, context -> HTTPResponse.Status in
            let actor = try context.authenticatedAdmin()
            let id = try context.parameters.require("id")
            guard !id.isEmpty, id.utf8.count <= 64 else {
                throw HTTPError(.badRequest, message: "staff id: 1 to 64 bytes")
            }
            let body = try await RequestBody.decode(StaffRequest.self, from: request)
            let hash = try body.pin.map { try PINHash.make(pin: $0) }
            try await HubAdminRoutes.admin {
                try await coordinator.setStaff(
                    mall: body.mall, id: id, name: body.name, roles: body.roles, pinHash: hash, active: body.active,
                    actor: actor)
            }
            return .ok
        }
    }
}

extension Character {
    /// 0 to 9 only: `isNumber` also takes other scripts' digits and fractions.
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

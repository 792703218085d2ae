import Foundation
import Hummingbird
import MallDomain
import SyncCore

/// The admin API's gift routes: issue a code (its text for the QR code),
/// revoke one, start signing with new keys.
enum GiftAdminRoutes {
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
                // From now it always fits; from a given start, the end must too.
                if let validFrom, !times.contains(validFrom + Int64(days) * 86_400_000) {
                    throw FieldError("validDays", timeRange)
                }
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

    static func add(to groups: AdminRouteGroups, hub: Hub) {
        let coordinator = hub.coordinator
        groups.changing.post("/v1/admin/gift-codes") { request, context -> Response in
            let actor = try context.authenticatedAdmin()
            let body = try await RequestBody.decode(IssueRequest.self, from: request)
            let issued = try await HubAdminRoutes.admin {
                try await hub.gifts.issueGiftCode(
                    mall: body.mall, groupWide: body.groupWide, member: body.member, gift: body.gift,
                    validFrom: body.validFrom, validTo: body.validTo(now: coordinator.clock.now()), actor: actor)
            }
            return try JSONBody(issued).response(from: request, context: context).withStatus(.created)
        }
        groups.changing.post("/v1/admin/gift-codes/:id/revocations") { request, context -> HTTPResponse.Status in
            let actor = try context.authenticatedAdmin()
            let id = try context.parameters.require("id")
            let body = try await RequestBody.decode(RevokeRequest.self, from: request)
            try await HubAdminRoutes.admin { try await hub.gifts.revokeGiftCode(id, reason: body.reason, actor: actor) }
            return .created
        }
        groups.adminTokenOnly.post("/v1/admin/gift-keys") { request, context -> Response in
            let actor = try context.authenticatedAdmin()
            let mall = request.uri.queryParameters["mall"].map(String.init)
            let ids = try await HubAdminRoutes.admin { try await hub.gifts.rotateGiftKey(mall: mall, actor: actor) }
            return try JSONBody(["keyIds": ids]).response(from: request, context: context).withStatus(.created)
        }
    }
}

import Foundation
import Hummingbird
import MallDomain
import SyncCore

/// The admin API's conflict ledger: read it, settle an entry.
enum ConflictRoutes {
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

    static func add(to groups: AdminRouteGroups, coordinator: HubCoordinator) {
        groups.looking.get("/v1/admin/conflicts") { request, _ -> JSONBody<[ConflictEntry]> in
            let openOnly = request.uri.queryParameters["open"] == "true"
            return JSONBody(try await coordinator.conflicts(openOnly: openOnly))
        }
        groups.changing.post("/v1/admin/conflicts/:key/resolution") { request, context -> HTTPResponse.Status in
            let actor = try context.authenticatedAdmin()
            // Keys hold ':' (`parking.double-entry:r-1`), which clients may percent-encode.
            let raw = try context.parameters.require("key")
            let key = raw.removingPercentEncoding ?? raw
            let body = try await RequestBody.decode(ResolutionRequest.self, from: request)
            try await HubAdminRoutes.admin {
                try await coordinator.resolveConflict(key, override: body.winner, note: body.note, actor: actor)
            }
            return .created
        }
    }
}

import Foundation
import Hummingbird
import MallDomain
import SyncCore

/// The admin API's imports of members, vehicles and bookings.
enum ImportRoutes {
    static func add(to groups: AdminRouteGroups, hub: Hub) {
        groups.changing.post("/v1/admin/imports/:kind") { request, context -> Response in
            let actor = try context.authenticatedAdmin()
            let name = try context.parameters.require("kind")
            guard let kind = ImportKind(rawValue: name) else {
                throw HTTPError(.notFound, message: "nothing called \(name) can be imported")
            }
            guard let mall = request.uri.queryParameters["mall"].map(String.init) else {
                throw HTTPError(.badRequest, message: "query mall: required")
            }
            let rows = try await ImportBody.rows(of: request)
            let outcome = try await HubAdminRoutes.admin {
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
    }
}

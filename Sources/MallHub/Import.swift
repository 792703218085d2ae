import ArgumentParser
import Foundation
import Services

extension MallHub {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import members, vehicles or reservations from a CSV or JSON file into a running hub.",
            discussion: """
                A .csv file has a header row; any other file is JSON {"rows": [{…}]}. Members merge by \
                phone or card number; vehicles and reservations find their member by member_id, phone or \
                card_no. One bad row refuses the whole file, and every bad row is listed.
                """)

        @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
        var config: String
        @Argument(help: "What the file holds: \(ImportKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        var kind: String
        @Argument(help: "The file to import.")
        var file: String
        @Option(help: "The mall it belongs to.")
        var mall: String

        func validate() throws {
            guard ImportKind(rawValue: kind) != nil else {
                throw ValidationError("\(kind) cannot be imported: members, vehicles or reservations")
            }
        }

        func run() async throws {
            guard let body = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file)")
            }
            let type = file.lowercased().hasSuffix(".csv") ? "text/csv" : "application/json"
            let mallQuery = mall.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? mall
            let answer = try await adminCall(config) {
                try await $0.request(
                    "POST", "/v1/admin/imports/\(kind)?mall=\(mallQuery)", body: body, contentType: type)
            }
            let summary = answer as? [String: Any] ?? [:]
            print("\(kind): \(summary["created"] ?? 0) created, \(summary["updated"] ?? 0) updated")
        }
    }
}

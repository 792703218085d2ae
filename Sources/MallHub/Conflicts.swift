import ArgumentParser
import CommandSupport
import DeviceConfig
import Foundation

extension MallHub {
    struct Conflicts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the conflict ledger of a running hub, and settle conflicts.",
            subcommands: [List.self, Resolve.self], defaultSubcommand: List.self)

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The ledger, newest first.")

            @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
            var config: String
            @Flag(help: "Only conflicts still waiting for a decision.")
            var open = false

            func run() async throws {
                let answer = try await adminCall(config) {
                    try await $0.request("GET", "/v1/admin/conflicts\(open ? "?open=true" : "")", nil)
                }
                let entries = answer as? [[String: Any]] ?? []
                print(ConflictTable.render(entries))
            }
        }

        struct Resolve: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Accept a conflict's outcome, or override it with another side's event.")

            @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
            var config: String
            @Argument(help: "The conflict's key (first column of the list).")
            var key: String
            @Flag(help: "Keep the outcome the rule chose.")
            var accept = false
            @Option(help: "Make this side's event the one that stands instead.")
            var override: String?
            @Option(help: "Why, for the audit log and the other operators.")
            var note: String

            func validate() throws {
                guard accept != (override != nil) else {
                    throw ValidationError("give exactly one of --accept and --override")
                }
            }

            func run() async throws {
                var body: [String: Any] = ["action": accept ? "accept" : "override", "note": note]
                if let override { body["winner"] = override }
                let path = key.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? key
                _ = try await adminCall(config) {
                    try await $0.request("POST", "/v1/admin/conflicts/\(path)/resolution", body)
                }
                print("\(key): \(accept ? "accepted" : "overridden, \(override!) stands")")
            }
        }
    }
}

/// The conflict ledger as a terminal table: open ones first.
enum ConflictTable {
    static func render(_ entries: [[String: Any]]) -> String {
        guard !entries.isEmpty else { return "no conflicts" }
        let header = ["KEY", "KIND", "ITEM", "WINNER", "CLAIMS", "STATUS", "MALL"]
        let rows = entries.sorted {
            ($0["status"] as? String == "open" ? 0 : 1) < ($1["status"] as? String == "open" ? 0 : 1)
        }
        .map { entry in
            ["key", "kind", "item", "winner", "claims", "status", "mall"].map { field in
                entry[field].map { "\($0)" } ?? ""
            }
        }
        return TextTable.render(header: header, rows: rows)
    }
}

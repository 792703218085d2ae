import ArgumentParser
import Foundation

extension MallHub {
    struct Staff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage staff accounts and see what each role grants, on a running hub.",
            subcommands: [Save.self, List.self, Roles.self], defaultSubcommand: Save.self)

        struct Save: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create or change a staff member (name, roles, PIN); --inactive disables the account.")

            @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
            var config: String
            @Argument(help: "The staff id they log in with.")
            var id: String
            @Option(help: "The mall they work at.")
            var mall: String
            @Option(help: "Their name as staff pages show it.")
            var name: String
            @Option(help: "Comma-separated roles: manager, gate-operator, lounge-staff, gift-staff, gift-manager.")
            var roles: String
            @Option(help: "A new PIN (6 to 32 digits); omit to keep the current one.")
            var pin: String?
            @Flag(help: "Disable the account (it can no longer log in).")
            var inactive = false

            func run() async throws {
                var body: [String: Any] = [
                    "mall": mall, "name": name, "roles": roles.split(separator: ",").map(String.init),
                    "active": !inactive,
                ]
                if let pin { body["pin"] = pin }
                _ = try await adminCall(config) { try await $0.send("PUT", "/v1/admin/staff/\(id)", body) }
                print("staff \(id) saved")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The staff accounts with their roles.")

            @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
            var config: String
            @Option(help: "Only this mall's staff.")
            var mall: String?

            func run() async throws {
                let query = mall.map {
                    "?mall=\($0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? $0)"
                }
                let answer = try await adminCall(config) {
                    try await $0.request("GET", "/v1/admin/staff\(query ?? "")", nil)
                }
                let rows = (answer as? [[String: Any]] ?? []).map { entry in
                    [
                        entry["id"] as? String ?? "", entry["mall"] as? String ?? "", entry["name"] as? String ?? "",
                        (entry["roles"] as? [String] ?? []).joined(separator: ","),
                        entry["active"] as? Bool == true ? "active" : "inactive",
                    ]
                }
                print(TextTable.render(header: ["ID", "MALL", "NAME", "ROLES", "STATE"], rows: rows))
            }
        }

        struct Roles: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Each role and the permissions it grants.")

            @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
            var config: String

            func run() async throws {
                let answer = try await adminCall(config) { try await $0.request("GET", "/v1/admin/roles", nil) }
                let rows = (answer as? [[String: Any]] ?? []).map { entry in
                    [entry["role"] as? String ?? "", (entry["permissions"] as? [String] ?? []).joined(separator: ", ")]
                }
                print(TextTable.render(header: ["ROLE", "PERMISSIONS"], rows: rows))
            }
        }
    }
}

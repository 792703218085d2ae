import ArgumentParser
import CommandSupport
import DeviceConfig
import Foundation

extension MallHub {
    struct Gift: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue and revoke gift codes, and rotate the signing key, on a running hub.",
            subcommands: [Issue.self, Revoke.self, RotateKey.self])

        struct Issue: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Issue a signed gift code; prints its id and the text to put in a QR code.")

            @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
            var config: String
            @Option(help: "The mall whose counters may redeem it.")
            var mall: String
            @Option(help: "The member it belongs to (at most 24 bytes).")
            var member: String
            @Option(help: "The gift (at most 24 bytes).")
            var gift: String
            @Option(help: "Days it stays valid from now.")
            var days = 7
            @Option(help: "Also write the QR code as an SVG file here.")
            var svg: String?
            @Option(help: "Also write the QR code as a PNG file here.")
            var png: String?

            func run() async throws {
                let json = try await adminCall(config) {
                    try await $0.send(
                        "POST", "/v1/admin/gift-codes",
                        ["mall": mall, "member": member, "gift": gift, "validDays": days])
                }
                print(
                    "code   \(json["codeId"] ?? "")  (key \(json["keyId"] ?? ""), valid to \(json["validTo"] ?? "") ms)"
                )
                print(json["text"] as? String ?? "")
                if let svg, let image = json["qrSvg"] as? String {
                    try image.write(toFile: svg, atomically: true, encoding: .utf8)
                    print("QR code (version \(json["qrVersion"] ?? "?"), level Q) written to \(svg)")
                }
                if let png, let image = (json["qrPng"] as? String).flatMap({ Data(base64Encoded: $0) }) {
                    try image.write(to: URL(fileURLWithPath: png))
                    print("QR code (version \(json["qrVersion"] ?? "?"), level Q) written to \(png)")
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a gift code in its mall.")

            @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
            var config: String
            @Argument(help: "The code id (gc-…).")
            var code: String
            @Option(help: "Why, for the counters and the audit log.")
            var reason: String

            func run() async throws {
                _ = try await adminCall(config) {
                    try await $0.send("POST", "/v1/admin/gift-codes/\(code)/revocations", ["reason": reason])
                }
                print("revoked \(code)")
            }
        }

        struct RotateKey: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "rotate-key",
                abstract: "Sign new codes with a new key; the old one stays valid for the longest code lifetime.")

            @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
            var config: String

            func run() async throws {
                let json = try await adminCall(config) { try await $0.send("POST", "/v1/admin/gift-keys", [:]) }
                print("signing with \(json["keyId"] ?? "")")
            }
        }
    }

    struct Staff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or change a staff member (name, roles, PIN) on a running hub.")

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
        @Option(help: "A new PIN (4 to 32 digits); omit to keep the current one.")
        var pin: String?
        @Flag(help: "Disable the account (it can no longer log in).")
        var inactive = false

        func run() async throws {
            var body: [String: Any] = [
                "mall": mall, "name": name, "roles": roles.split(separator: ",").map(String.init), "active": !inactive,
            ]
            if let pin { body["pin"] = pin }
            _ = try await adminCall(config) { try await $0.send("PUT", "/v1/admin/staff/\(id)", body) }
            print("staff \(id) saved")
        }
    }
}

/// Loads the config and runs an admin call, exiting with the client's code on failure.
func adminCall<Answer>(_ config: String, _ call: (AdminClient) async throws -> Answer) async throws -> Answer {
    let settings = try loadOrExit(tool: "mall-hub") { try HubSettings.load(path: config) }
    do {
        return try await call(try AdminClient(settings: settings))
    } catch let exit as AdminClientExit {
        throw ExitCode(exit.code)
    }
}

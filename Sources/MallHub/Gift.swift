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

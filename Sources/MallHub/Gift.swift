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
            @Option(help: "The mall that issues it: its counters may redeem it.")
            var mall: String
            @Flag(help: "Every mall of the group honours it, not only the issuing one.")
            var groupWide = false
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
                        ["mall": mall, "groupWide": groupWide, "member": member, "gift": gift, "validDays": days])
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
            static let configuration = CommandConfiguration(
                abstract: "Revoke a gift code in its mall (in every mall for a group-wide code).")

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
                abstract: "Sign new codes with new keys; the old ones stay valid for the longest code lifetime.")

            @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
            var config: String
            @Option(help: "Rotate this mall's key only (default: every mall's and the group's).")
            var mall: String?

            func run() async throws {
                let path = "/v1/admin/gift-keys" + (mall.map { "?mall=\($0)" } ?? "")
                let json = try await adminCall(config) { try await $0.send("POST", path, [:]) }
                print("signing with \((json["keyIds"] as? [String] ?? []).joined(separator: ", "))")
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

import Hummingbird

/// The gate controller's proof that it may ask for decisions: a bearer token
/// from the node's configuration. Compared in constant time, never logged.
struct DeviceAuthentication: Sendable {
    let tokens: [[UInt8]]

    init(tokens: Set<String>) {
        self.tokens = tokens.map { Array($0.utf8) }
    }

    /// Throws 401 unless the request carries one of the configured tokens.
    func require(_ request: Request) throws {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                message: "a device token is required: Authorization: Bearer <token>")
        }
        let presented = Array(header.utf8.dropFirst("Bearer ".utf8.count))
        var matched = false
        for token in tokens where Self.equal(token, presented) { matched = true }
        guard matched else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "unknown device token")
        }
    }

    /// Equal length and bytes, taking the same time wherever they differ.
    private static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

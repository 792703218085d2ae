import Crypto
import Hummingbird

/// Configured bearer tokens (device and admin tokens), compared in constant
/// time so a caller cannot learn a token byte by byte from response times.
struct TokenSet: Sendable {
    private let tokens: [[UInt8]]

    init(_ tokens: Set<String>) {
        self.tokens = tokens.map { Array($0.utf8) }
    }

    var isEmpty: Bool { tokens.isEmpty }

    func contains(_ presented: String) -> Bool {
        let bytes = Array(presented.utf8)
        var found = false
        for token in tokens where Self.equal(token, bytes) { found = true }
        return found
    }

    /// A new session token: 32 random bytes as hex.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }

    /// What a session is stored and looked up by: the SHA-256 of its token
    /// as hex, so a copy of the database logs no one in.
    static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The bearer token of a request, if it sends one.
    static func bearer(of request: Request) -> String? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        return String(header.dropFirst("Bearer ".count))
    }

    private static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

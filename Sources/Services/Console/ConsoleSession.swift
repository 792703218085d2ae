public import MallDomain

/// An operator logged in at the console.
public struct ConsoleSession: Sendable, Codable {
    /// Given to the operator at login; empty for a session restored after a
    /// restart, whose token only the operator's browser still holds.
    public var token: String
    public var operatorId: String
    public var name: String
    public var role: Operator.Role
    public var expiresAt: UInt64
    /// The SHA-256 of the token: what the hub keys sessions by, and stores.
    var key = ""

    enum CodingKeys: String, CodingKey { case token, operatorId, name, role, expiresAt }

    static func key(of token: String) -> String { TokenSet.hash(token) }
}

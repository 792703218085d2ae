public import EdgeRules

/// An operator logged in at the console.
public struct ConsoleSession: Sendable, Codable {
    public var token: String
    public var operatorId: String
    public var name: String
    public var role: Operator.Role
    public var expiresAt: UInt64
}

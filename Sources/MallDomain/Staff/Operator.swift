/// A person who works the hub console, from the hub's configuration.
/// A `viewer` sees everything; an `operator` may also settle conflicts.
public struct Operator: Hashable, Sendable {
    public enum Role: String, Hashable, Sendable, CaseIterable, Codable {
        case viewer
        case `operator`

        public var mayResolveConflicts: Bool { self == .operator }
    }

    public var id: String
    public var name: String
    public var role: Role
    /// `PINHash` format (PBKDF2-SHA256); made with `mall-hub hash-password`.
    public var passwordHash: String

    public init(id: String, name: String, role: Role, passwordHash: String) {
        self.id = id
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
    }
}

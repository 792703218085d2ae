/// A member of staff as a node knows them, from the replicated `staff` table.
public struct StaffMember: Hashable, Sendable {
    public var id: String
    public var name: String
    public var roles: Set<StaffRole>
    public var pinHash: String
    public var active: Bool

    public init(id: String, name: String, roles: Set<StaffRole>, pinHash: String, active: Bool) {
        self.id = id
        self.name = name
        self.roles = roles
        self.pinHash = pinHash
        self.active = active
    }

    public var permissions: Set<Permission> { roles.reduce(into: []) { $0.formUnion($1.permissions) } }

    /// Role names as stored: comma-separated; unknown names are ignored (a
    /// newer hub may know more roles than this node).
    public static func roles(from text: String) -> Set<StaffRole> {
        Set(text.split(separator: ",").compactMap { StaffRole(rawValue: $0.trimmingWhitespace()) })
    }
}

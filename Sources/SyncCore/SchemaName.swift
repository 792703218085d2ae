/// A name the fleet's schema gives (a role, a channel kind): any
/// `Identifier`, not one of a closed list, so a message naming one this
/// build's schema lacks still decodes, and the schema decides what to do
/// with it (SPEC §16.1).
public protocol SchemaName: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible
where RawValue == String {
    /// Nil unless `rawValue` is an `Identifier`.
    init?(rawValue: String)
}

extension SchemaName {
    /// For names written in code: traps on an invalid one.
    public init(_ name: StaticString) {
        self.init(rawValue: "\(name)")!
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let name = Self(rawValue: try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a name is an identifier")
        }
        self = name
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }
}

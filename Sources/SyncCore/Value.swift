/// A column value as it travels in a change and sits in a replica.
///
/// Only three kinds exist on purpose: integers (amounts in cents, times in
/// milliseconds, counts), text, and null. No floating point means every
/// replica, in every language, compares and hashes values identically.
public enum Value: Hashable, Sendable, Comparable {
    case null
    case int(Int64)
    case text(String)

    public var intValue: Int64? {
        if case .int(let v) = self { return v }
        return nil
    }

    public var textValue: String? {
        if case .text(let v) = self { return v }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// Total order used only for deterministic output (digests, listings).
    public static func < (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): false
        case (.null, _): true
        case (_, .null): false
        case (.int(let a), .int(let b)): a < b
        case (.int, .text): true
        case (.text, .int): false
        case (.text(let a), .text(let b)): a.precedesBytewise(b)
        }
    }
}

extension Value: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let text = try? container.decode(String.self) {
            self = .text(text)
        } else if let int = try? container.decode(Int64.self) {
            self = .int(int)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "a value must be null, a string or a 64-bit integer"
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .int(let v): try container.encode(v)
        case .text(let v): try container.encode(v)
        }
    }
}

extension Value: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: "null"
        case .int(let v): String(v)
        case .text(let v): "\"\(v)\""
        }
    }
}

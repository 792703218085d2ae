/// A replication channel: one kind of data of one site (`mall-1/orders`).
///
/// Every change belongs to exactly one channel, and a node subscribes to the
/// channels its role needs and nothing more: a device never holds data its
/// decisions do not use.
public struct Channel: Hashable, Comparable, Sendable {
    public var mall: String
    public var kind: Kind

    /// A kind of data, named by the fleet's schema (`SyncSchema.channelKinds`).
    /// A validated name, not a closed list: a hub status naming a kind this
    /// build does not know still decodes, and the node passes it by (§16.1).
    public struct Kind: SchemaName {
        public let rawValue: String

        public init?(rawValue: String) {
            guard Identifier.isValid(rawValue) else { return nil }
            self.rawValue = rawValue
        }
    }

    public init(mall: String, kind: Kind) {
        self.mall = mall
        self.kind = kind
    }

    /// Parses `mall/kind`, any valid kind name; nil for anything else.
    /// Every change a node decodes names its channel: the slash is found
    /// in the bytes, without splitting into an array of substrings (a
    /// third of decoding a change, before).
    public init?(_ text: String) {
        let utf8 = text.utf8
        guard let slash = utf8.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        // A second slash leaves the kind invalid.
        let mall = String(text[..<slash])
        guard Identifier.isValid(mall), let kind = Kind(rawValue: String(text[utf8.index(after: slash)...])) else {
            return nil
        }
        self.init(mall: mall, kind: kind)
    }

    public var name: String { "\(mall)/\(kind.rawValue)" }

    public static func < (lhs: Channel, rhs: Channel) -> Bool { lhs.name < rhs.name }
}

extension Channel: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let channel = Channel(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a channel is mall/kind")
        }
        self = channel
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

extension Channel: CustomStringConvertible {
    public var description: String { name }
}

/// The shape of names used in topics and ids: they must never contain MQTT
/// wildcards or separators, so a node cannot name itself into another's topic.
public enum Identifier {
    public static func isValid(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 64 else { return false }
        return text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F || byte == 0x2E
        }
    }
}

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Encodes and decodes protocol messages as JSON: `{"v": 1, "type": ..., ...}`.
///
/// Decoding is the trust boundary: size is checked before parsing, the version
/// before anything else, and every message is validated after decoding so that
/// code past this point only sees well-formed messages.
public struct WireCodec: Sendable {
    /// Payloads above this are refused unparsed. MQTT allows 256 MiB; nothing
    /// legitimate here comes near 1 MiB.
    public var maxPayloadBytes: Int
    /// The most changes, entries or rows one message may carry.
    public var maxItemsPerMessage: Int
    /// What the changes and rows of a message must fit.
    public var schema: SyncSchema

    public init(schema: SyncSchema, maxPayloadBytes: Int = 1 << 20, maxItemsPerMessage: Int = 5000) {
        self.schema = schema
        self.maxPayloadBytes = maxPayloadBytes
        self.maxItemsPerMessage = maxItemsPerMessage
    }

    public func encode(_ message: WireMessage) -> [UInt8] {
        encodeSplicingBulk(message) ?? encodeJSON(message)
    }

    func encodeJSON(_ message: WireMessage) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own value types cannot fail: every field is a string,
        // an integer, an array or an object of those.
        return Array(try! encoder.encode(Envelope(message: message)))
    }

    /// `decode`, with a type that says so: the engines take a checked
    /// message without checking it again (the sync loop decodes the next
    /// message off the engine's thread while the engine handles this one).
    public func decodeChecked(_ payload: [UInt8]) throws(WireError) -> CheckedMessage {
        CheckedMessage(try decode(payload))
    }

    public func decode(_ payload: [UInt8]) throws(WireError) -> WireMessage {
        try decode(payload, splittingBulk: true)
    }

    /// - Parameter splittingBulk: whether a bulk in bytes is decoded from
    ///   base64 on its own (`splitBulk`) rather than read through the JSON
    ///   decoder; the answer is the same either way (tests hold both to it).
    func decode(_ payload: [UInt8], splittingBulk: Bool) throws(WireError) -> WireMessage {
        guard payload.count <= maxPayloadBytes else {
            throw WireError(.tooLarge, "\(payload.count) bytes, limit \(maxPayloadBytes)")
        }
        let split = splittingBulk ? Self.splitBulk(payload) : nil
        let json = split?.rest ?? payload
        var message: WireMessage
        do {
            message = try JSONDecoder().decode(Envelope.self, from: Data(json)).message
        } catch let error as WireError {
            throw error
        } catch let error as DecodingError {
            throw WireError(.malformed, Self.describe(error))
        } catch {
            throw WireError(.malformed, "not JSON")
        }
        if let split { message = try message.takingBulk(split.field, base64: payload[split.base64]) }
        if let key = RepeatedJSONKeys.first(in: json) {
            throw WireError(.malformed, "field \(key) given twice in one object")
        }
        if let problem = message.problem(maxItems: maxItemsPerMessage, schema: schema) {
            throw WireError(.invalid, problem)
        }
        return message
    }

    /// A decoding error in terms of the field path, without the offending value.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return path.isEmpty ? "the message" : path.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context): return "wrong type at \(path(context))"
        case .valueNotFound(_, let context): return "missing value at \(path(context))"
        case .keyNotFound(let key, let context):
            return "missing field \(key.stringValue) in \(path(context))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "invalid value at \(path(context))"
        @unknown default: return "undecodable"
        }
    }
}

/// A message a `WireCodec` decoded and checked (size, version, shape, the
/// schema's columns and ranges); only the codec makes one.
public struct CheckedMessage: Sendable {
    public let message: WireMessage

    fileprivate init(_ message: WireMessage) { self.message = message }
}

/// The JSON shape of every message: version and type beside the body's fields.
private struct Envelope: Codable {
    var message: WireMessage

    init(message: WireMessage) { self.message = message }

    private enum Keys: String, CodingKey { case v, type }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let version = try container.decode(Int.self, forKey: .v)
        guard version == WireMessage.protocolVersion else {
            throw WireError(.unsupportedVersion, "version \(version), this side speaks 1")
        }
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "birth": message = .birth(try Birth(from: decoder))
        case "death": message = .death(try Death(from: decoder))
        case "changes": message = .changes(try ChangeBatch(from: decoder))
        case "heartbeat": message = .heartbeat(try Heartbeat(from: decoder))
        case "resend": message = .resend(try ResendRequest(from: decoder))
        case "snapshot-request": message = .snapshotRequest(try SnapshotRequest(from: decoder))
        case "ack": message = .ack(try Ack(from: decoder))
        case "batch": message = .batch(try LogBatch(from: decoder))
        case "snapshot": message = .snapshotPart(try SnapshotPart(from: decoder))
        case "control": message = .control(try Control(from: decoder))
        case "hub-status": message = .hubStatus(try HubStatus(from: decoder))
        default: throw WireError(.unknownType, "type \(type.prefix(32))")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(WireMessage.protocolVersion, forKey: .v)
        try container.encode(message.type, forKey: .type)
        switch message {
        case .birth(let body): try body.encode(to: encoder)
        case .death(let body): try body.encode(to: encoder)
        case .changes(let body): try body.encode(to: encoder)
        case .heartbeat(let body): try body.encode(to: encoder)
        case .resend(let body): try body.encode(to: encoder)
        case .snapshotRequest(let body): try body.encode(to: encoder)
        case .ack(let body): try body.encode(to: encoder)
        case .batch(let body): try body.encode(to: encoder)
        case .snapshotPart(let body): try body.encode(to: encoder)
        case .control(let body): try body.encode(to: encoder)
        case .hubStatus(let body): try body.encode(to: encoder)
        }
    }
}

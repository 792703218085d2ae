import Foundation
import Hummingbird

/// Request bodies as the local APIs accept them: JSON objects of bounded
/// size, every field known and of the right type. Anything else is a 4xx
/// with a message naming the field, before any data is touched.
enum RequestBody {
    /// Far above any real request (a gate read is about 300 bytes).
    static let maxBytes = 64 * 1024

    static func decode<Body: Decodable>(_ type: Body.Type, from request: Request) async throws -> Body {
        let buffer = try await request.body.collect(upTo: maxBytes)
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, message: describe(error))
        } catch let error as FieldError {
            throw HTTPError(.unprocessableContent, message: error.message)
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.isEmpty
                ? "the body"
                : "field "
                    + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                    .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .typeMismatch(let type, let context):
            let expected = type is any StringProtocol.Type ? "a string" : type == Double.self ? "a number" : "\(type)"
            return "\(field(context.codingPath)): expected \(context.codingPath.isEmpty ? "a JSON object" : expected)"
        case .valueNotFound(_, let context): return "\(field(context.codingPath)): must not be null"
        case .keyNotFound(let key, let context): return "\(field(context.codingPath + [key])): required"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "the body is not valid JSON"
                : "\(field(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "the body does not fit the request"
        }
    }
}

/// A field whose JSON type was right but whose value is not acceptable.
struct FieldError: Error {
    var message: String
    init(_ field: String, _ problem: String) { message = "field \(field): \(problem)" }
}

/// Any key, to list what a JSON object holds.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// A keyed container that refuses keys the type does not know: a
    /// misspelt field must not be silently ignored.
    func closedContainer<Key: CodingKey & CaseIterable>(keyedBy: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let known = Set(Key.allCases.map(\.stringValue))
        if let unknown = try container(keyedBy: AnyKey.self).allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath + [unknown], debugDescription: "unknown field"))
        }
        return try container(keyedBy: Key.self)
    }
}

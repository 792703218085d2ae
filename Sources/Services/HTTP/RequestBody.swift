import Foundation
import Hummingbird
import SyncCore

/// Request bodies as the local APIs accept them: JSON objects of bounded
/// size, every field known and of the right type. Anything else is a 4xx
/// with a message naming the field, before any data is touched.
enum RequestBody {
    /// Far above any real request (a gate read is about 300 bytes).
    static let maxBytes = 64 * 1024

    /// - Parameter rawFields: top-level fields whose text is taken as it
    ///   came (a camera's plate read: garbage is decided, not refused).
    static func decode<Body: Decodable>(_ type: Body.Type, from request: Request, rawFields: Set<String> = [])
        async throws -> Body
    {
        // A form or plain-text body is what a web page elsewhere can send
        // without asking first (no CORS preflight): JSON only, by its type.
        guard isJSON(request.headers[.contentType]) else {
            throw HTTPError(.unsupportedMediaType, message: "send the body as JSON: Content-Type: application/json")
        }
        let buffer = try await request.body.collect(upTo: maxBytes)
        let data = Data(buffer.readableBytesView)
        if let field = fieldWithControlCharacters(in: data, except: rawFields) {
            throw HTTPError(.badRequest, message: "\(field): control characters are not allowed")
        }
        if let key = RepeatedJSONKeys.first(in: [UInt8](data)) {
            throw HTTPError(.badRequest, message: "field \(key): given twice in one object")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, message: describe(error))
        } catch let error as FieldError {
            throw HTTPError(.unprocessableContent, message: error.message)
        }
    }

    /// The first string (key or value) holding a control character other
    /// than tab and line breaks, as a field path; nil when there is none or
    /// the body is not JSON (the decoder says so then). Ids, lanes and
    /// reasons with such characters end up in logs and audit entries.
    static func fieldWithControlCharacters(in data: Data, except rawFields: Set<String> = []) -> String? {
        func bad(_ text: String) -> Bool {
            text.unicodeScalars.contains {
                ($0.value < 0x20 && !"\t\n\r".unicodeScalars.contains($0)) || $0.value == 0x7F
            }
        }
        func walk(_ value: Any, _ path: String) -> String? {
            switch value {
            case let text as String: return bad(text) ? path : nil
            case let array as [Any]:
                for (index, element) in array.enumerated() {
                    if let found = walk(element, "\(path)[\(index)]") { return found }
                }
            case let object as [String: Any]:
                for key in object.keys.sorted() where !(path == "the body" && rawFields.contains(key)) {
                    let child = path == "the body" ? "field \(key)" : "\(path).\(key)"
                    if bad(key) { return child }
                    if let found = walk(object[key]!, child) { return found }
                }
            default: break
            }
            return nil
        }
        guard let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        return walk(root, "the body")
    }

    /// Whether a `Content-Type` names JSON (`application/json`, any parameters).
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = contentType.split(separator: ";").first.map { $0.trimmingWhitespaceAndLowercased() } ?? ""
        return type == "application/json"
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
    /// A keyed container that refuses keys the type does not know (a
    /// misspelt field must not be silently ignored) and null values.
    func closedContainer<Key: CodingKey & CaseIterable>(keyedBy: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let known = Set(Key.allCases.map(\.stringValue))
        let any = try container(keyedBy: AnyKey.self)
        if let unknown = any.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath + [unknown], debugDescription: "unknown field"))
        }
        // An optional field is left out, never null: a null that decoded as
        // "absent" once let `"alternatives": null` through as an empty list.
        if let null = try any.allKeys.sorted(by: { $0.stringValue < $1.stringValue }).first(where: {
            try any.decodeNil(forKey: $0)
        }) {
            throw DecodingError.valueNotFound(
                Never.self, .init(codingPath: codingPath + [null], debugDescription: "must not be null"))
        }
        return try container(keyedBy: Key.self)
    }
}

extension Substring {
    fileprivate func trimmingWhitespaceAndLowercased() -> String {
        String(self).trimmingCharacters(in: .whitespaces).lowercased()
    }
}

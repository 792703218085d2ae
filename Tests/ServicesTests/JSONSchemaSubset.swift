import Foundation

/// A JSON document with its types kept apart (a boolean is never a number).
indirect enum JSONValue: Decodable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case integer(Int64)
    case number(Double)
    case boolean(Bool)
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .boolean(flag)
        } else if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    static func parse(_ data: Data) -> JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: data) }

    subscript(_ key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var members: [String: JSONValue] {
        if case .object(let members) = self { return members }
        return [:]
    }

    var elements: [JSONValue] {
        if case .array(let elements) = self { return elements }
        return []
    }
}

/// Checks a JSON value against the subset of JSON Schema the node's OpenAPI
/// document uses: `type` (one or several), `properties`, `required`,
/// `additionalProperties` (false or a schema), `items`, `enum`, `oneOf` and
/// local `$ref`s. Returns the problems found, each with its JSON path.
struct JSONSchemaSubset {
    let components: [String: JSONValue]

    func problems(_ value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        if let reference = schema["$ref"]?.string {
            let name = String(reference.split(separator: "/").last ?? "")
            guard let target = components[name] else { return ["\(path): unknown $ref \(reference)"] }
            return problems(value, against: target, at: path)
        }
        if let options = schema["oneOf"]?.elements, !options.isEmpty {
            let matching = options.filter { problems(value, against: $0, at: path).isEmpty }
            return matching.count == 1 ? [] : ["\(path): matches \(matching.count) of the oneOf schemas"]
        }
        if let type = schema["type"] {
            let allowed = type.string.map { [$0] } ?? type.elements.compactMap(\.string)
            guard allowed.contains(where: { Self.has(value, type: $0) }) else {
                return ["\(path): expected \(allowed.joined(separator: " or ")), found \(value)"]
            }
        }
        var found: [String] = []
        if let choices = schema["enum"]?.elements.compactMap(\.string), !choices.isEmpty,
            case .string(let text) = value,
            !choices.contains(text)
        {
            found.append("\(path): \"\(text)\" is not one of \(choices)")
        }
        if case .object(let object) = value {
            let properties = schema["properties"]?.members ?? [:]
            for name in schema["required"]?.elements.compactMap(\.string) ?? [] where object[name] == nil {
                found.append("\(path).\(name): required but missing")
            }
            for (name, member) in object {
                if let property = properties[name] {
                    found += problems(member, against: property, at: "\(path).\(name)")
                } else if let extra = schema["additionalProperties"], case .object = extra {
                    found += problems(member, against: extra, at: "\(path).\(name)")
                } else if case .boolean(false)? = schema["additionalProperties"] {
                    found.append("\(path).\(name): not in the schema")
                }
            }
        }
        if case .array(let array) = value, let items = schema["items"] {
            for (index, element) in array.enumerated() {
                found += problems(element, against: items, at: "\(path)[\(index)]")
            }
        }
        return found
    }

    private static func has(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("null", .null), ("boolean", .boolean),
            ("integer", .integer), ("number", .integer), ("number", .number):
            true
        default: false
        }
    }
}

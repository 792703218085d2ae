import Foundation

/// Finds a key given twice in one JSON object. JSON leaves such a body's
/// meaning open, and parsers disagree on which value wins (Foundation takes
/// one, a proxy or a log reader another): `{"pin":"1","pin":"2"}` or a
/// booking's `window_end` given twice could then be checked as one value and
/// stored as the other. Bodies are refused instead.
enum DuplicateKeys {
    private enum Frame {
        case object(keys: Set<String>, expectingKey: Bool)
        case array
    }

    /// The first key found twice in one object, or nil. `data` must already
    /// be valid JSON (the caller parsed it); anything else returns nil.
    static func first(in data: Data) -> String? {
        let bytes = [UInt8](data)
        var stack: [Frame] = []
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"): stack.append(.object(keys: [], expectingKey: true))
            case UInt8(ascii: "["): stack.append(.array)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                if case .object(let keys, _)? = stack.last {
                    stack[stack.count - 1] = .object(keys: keys, expectingKey: bytes[index] == UInt8(ascii: ","))
                }
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < bytes.count && bytes[index] != UInt8(ascii: "\"") {
                    // An escape takes the next byte with it (`\"` does not end the string).
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard index < bytes.count else { return nil }
                if case .object(var keys, true)? = stack.last {
                    // Decoded, so `"a"` and `"\u0061"` are the same key.
                    let token = Data(bytes[start...index])
                    guard
                        let key = try? JSONSerialization.jsonObject(with: token, options: .fragmentsAllowed) as? String
                    else { return nil }
                    guard keys.insert(key).inserted else { return key }
                    stack[stack.count - 1] = .object(keys: keys, expectingKey: false)
                }
            default: break
            }
            index += 1
        }
        return nil
    }
}

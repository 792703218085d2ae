#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Finds a key given twice in one JSON object. JSON leaves such a document's
/// meaning open and parsers disagree on which value wins, so one reader could
/// check `{"status":"inside","status":"cancelled"}` as one value while
/// another stores the other. Protocol messages (SPEC §6.3) and API bodies
/// with a repeated key are refused instead.
public enum RepeatedJSONKeys {
    /// The keys of one open object, and whether the next string is a key.
    private struct Object {
        var keys: Set<ArraySlice<UInt8>> = []
        var expectingKey = true
    }

    /// The first key found twice in one object, or nil. `json` must already
    /// be valid JSON (the caller parsed it); for anything else the answer
    /// means nothing. Keys are compared as decoded, so `"a"` and `"\u0061"`
    /// are the same key. One pass; each key is hashed once (a payload of a
    /// million keys costs a million set insertions, not a million squared).
    public static func first(in json: [UInt8]) -> String? {
        // nil entries are arrays.
        var stack: [Object?] = []
        var index = 0
        while index < json.count {
            switch json[index] {
            case UInt8(ascii: "{"): stack.append(Object())
            case UInt8(ascii: "["): stack.append(nil)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                if stack.last??.expectingKey != nil { stack[stack.count - 1]!.expectingKey = json[index] == 0x2C }
            case UInt8(ascii: "\""):
                let start = index
                var escaped = false
                index += 1
                while index < json.count && json[index] != UInt8(ascii: "\"") {
                    // An escape takes the next byte with it (`\"` does not end the string).
                    if json[index] == UInt8(ascii: "\\") {
                        escaped = true
                        index += 1
                    }
                    index += 1
                }
                guard index < json.count else { return nil }
                guard stack.last??.expectingKey == true else { break }
                var key = json[(start + 1)..<index]
                if escaped {
                    guard let decoded = try? JSONDecoder().decode(String.self, from: Data(json[start...index])) else {
                        return nil
                    }
                    key = ArraySlice(decoded.utf8)
                }
                // Mutated in place: the set is never copied.
                guard stack[stack.count - 1]!.keys.insert(key).inserted else {
                    return String(decoding: key, as: UTF8.self)
                }
                stack[stack.count - 1]!.expectingKey = false
            default: break
            }
            index += 1
        }
        return nil
    }
}

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The two wire forms of a message's bulk (SPEC §7.2): a JSON array under
/// one field, or the same items as compact bytes (§12.5), base64, under
/// another, never both and never neither.
extension KeyedDecodingContainer {
    func itemsOrBytes<Item: Decodable>(
        json: Key, bytes: Key, decode: ([UInt8]) throws(CompactBytes.Malformed) -> [Item]
    ) throws -> (items: [Item], asBytes: Bool) {
        // Present means present: a null in either field is malformed, not absent.
        switch (contains(json), contains(bytes) ? try self.decode(String.self, forKey: bytes) : nil) {
        case (true, nil):
            return (try self.decode([Item].self, forKey: json), false)
        case (false, let base64?):
            guard let data = Data(base64Encoded: base64) else {
                throw DecodingError.dataCorruptedError(forKey: bytes, in: self, debugDescription: "not base64")
            }
            do {
                return (try decode(Array(data)), true)
            } catch {
                throw DecodingError.dataCorruptedError(forKey: bytes, in: self, debugDescription: "\(error)")
            }
        case (true, _?):
            throw DecodingError.dataCorruptedError(
                forKey: bytes, in: self, debugDescription: "\(json.stringValue) and \(bytes.stringValue) both given")
        case (false, nil):
            throw DecodingError.keyNotFound(
                json,
                .init(codingPath: codingPath, debugDescription: "neither \(json.stringValue) nor \(bytes.stringValue)"))
        }
    }
}

extension KeyedEncodingContainer {
    mutating func encode<Item: Encodable>(
        _ items: [Item], asBytes: Bool, json: Key, bytes: Key, encode: ([Item]) -> [UInt8]
    ) throws {
        if asBytes {
            try self.encode(Data(encode(items)).base64EncodedString(), forKey: bytes)
        } else {
            try self.encode(items, forKey: json)
        }
    }
}

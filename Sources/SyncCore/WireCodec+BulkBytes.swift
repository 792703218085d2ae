#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A message's bulk as bytes (SPEC §7.2), written into its JSON after the
/// rest: the JSON encoder checked every character of a base64 text of up to
/// a megabyte for escapes it never needs (base64's alphabet has none, and
/// `/` is left unescaped), which was a tenth of the hub's CPU while it
/// served a bootstrap. The output is the very bytes the encoder writes.
extension WireCodec {
    /// The fields a bulk travels in (§7.2), one for each kind of message
    /// that has one.
    enum BulkField: String, CaseIterable {
        case changeBytes, entryBytes, rowBytes
    }

    /// The message's JSON with its bulk left empty, then the bulk's base64
    /// put between the empty text's quotes.
    func encodeSplicingBulk(_ message: WireMessage) -> [UInt8]? {
        guard let (field, bulk, rest) = message.bulkAsBytes else { return nil }
        var json = encodeJSON(rest)
        // `"field":""` appears once: the field is the body's own, and inside
        // any other text a quote is escaped.
        let marker = Array("\"\(field.rawValue)\":\"\"".utf8)
        guard let start = json.firstRange(of: marker), json[start.upperBound...].firstRange(of: marker) == nil
        else { return nil }
        json.insert(contentsOf: Data(bulk).base64EncodedData(), at: start.upperBound - 1)
        return json
    }
}

extension WireMessage {
    /// The field, the bytes and the message without its items, for a
    /// message whose items travel as bytes; nil for any other.
    fileprivate var bulkAsBytes: (field: WireCodec.BulkField, bytes: [UInt8], rest: WireMessage)? {
        switch self {
        case .changes(var batch) where batch.changesAsBytes && !batch.changes.isEmpty:
            let bytes = Change.bytes(of: batch.changes)
            batch.changes = []
            return (.changeBytes, bytes, .changes(batch))
        case .batch(var batch) where batch.entriesAsBytes && (batch.encodedEntries != nil || !batch.entries.isEmpty):
            let bytes = batch.encodedEntries ?? LogEntry.bytes(of: batch.entries)
            batch.entries = []
            return (.entryBytes, bytes, .batch(batch))
        case .snapshotPart(var part) where part.rowsAsBytes && !part.rows.isEmpty:
            let bytes = SnapshotRow.bytes(of: part.rows)
            part.rows = []
            return (.rowBytes, bytes, .snapshotPart(part))
        default: return nil
        }
    }
}

/// The decoding side of the same: a bulk's base64 is taken out of the
/// payload and decoded on its own, and the JSON decoder reads the rest. Read
/// through the decoder, every character of up to a megabyte of base64 was
/// checked for escapes and copied into a text before the text was decoded,
/// and the repeated-key check read it once more: about 3 % of a catch-up's
/// samples, and three copies of the bulk.
extension WireCodec {
    /// Each bulk field as it opens in a payload, `"field":"`, in the order
    /// of `BulkField.allCases`.
    private static let bulkOpenings = BulkField.allCases.map { Array("\"\($0.rawValue)\":\"".utf8) }

    /// The payload with its bulk's base64 left out (the field's text left
    /// empty), the field's name, and where the base64 stands in the payload;
    /// nil for a payload to be decoded whole.
    ///
    /// Split only where the answer is the whole decode's: one bulk field,
    /// a key of the message's own object (outside any text, one object
    /// deep), written `"field":"` and holding no escape. Anything else (no
    /// such field, the field twice, spaces around its colon, a `\/`) is
    /// decoded whole, and the decoder's checks apply as they always did.
    static func splitBulk(_ payload: [UInt8]) -> (rest: [UInt8], field: BulkField, base64: Range<Int>)? {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        let found: (field: Int, base64: Range<Int>)?? = payload.withUnsafeBufferPointer { bytes in
            var found: (field: Int, base64: Range<Int>)?
            var depth = 0
            var index = 0
            while index < bytes.count {
                switch bytes[index] {
                case quote:
                    if depth == 1, let field = bulkOpenings.firstIndex(where: { opens(bytes, at: index, $0) }) {
                        guard found == nil else { return .some(nil) }
                        let start = index + bulkOpenings[field].count
                        var end = start
                        while end < bytes.count, bytes[end] != quote, bytes[end] != backslash { end += 1 }
                        guard end < bytes.count, bytes[end] == quote else { return .some(nil) }
                        found = (field, start..<end)
                        index = end + 1
                        continue
                    }
                    // Any other text: skipped to its closing quote.
                    index += 1
                    while index < bytes.count, bytes[index] != quote {
                        index += bytes[index] == backslash ? 2 : 1
                    }
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                default: break
                }
                index += 1
            }
            return found
        }
        guard let found = found ?? nil else { return nil }
        let rest = Array(payload[..<found.base64.lowerBound] + payload[found.base64.upperBound...])
        return (rest, BulkField.allCases[found.field], found.base64)
    }

    private static func opens(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, _ opening: [UInt8]) -> Bool {
        guard bytes.count - index >= opening.count else { return false }
        for offset in opening.indices where bytes[index + offset] != opening[offset] { return false }
        return true
    }
}

extension WireMessage {
    /// The message with the items of `field`'s bulk, decoded from `base64`:
    /// the message was decoded with that field's text empty. A field this
    /// type of message does not read is ignored, as the decoder ignores it.
    func takingBulk(_ field: WireCodec.BulkField, base64: ArraySlice<UInt8>) throws(WireError) -> WireMessage {
        func items<Item>(_ decode: ([UInt8]) throws(CompactBytes.Malformed) -> [Item]) throws(WireError) -> [Item] {
            guard let bytes = Data(base64Encoded: Data(base64)), let items = try? decode(Array(bytes)) else {
                throw WireError(.malformed, "invalid value at \(field.rawValue)")
            }
            return items
        }
        switch (self, field) {
        case (.changes(var batch), .changeBytes) where batch.changesAsBytes:
            batch.changes = try items(Change.changes(fromBytes:))
            return .changes(batch)
        case (.batch(var batch), .entryBytes) where batch.entriesAsBytes:
            batch.entries = try items(LogEntry.entries(fromBytes:))
            return .batch(batch)
        case (.snapshotPart(var part), .rowBytes) where part.rowsAsBytes:
            part.rows = try items(SnapshotRow.rows(fromBytes:))
            return .snapshotPart(part)
        default: return self
        }
    }
}

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
    /// The message's JSON with its bulk left empty, then the bulk's base64
    /// put between the empty text's quotes.
    func encodeSplicingBulk(_ message: WireMessage) -> [UInt8]? {
        guard let (field, bulk, rest) = message.bulkAsBytes else { return nil }
        var json = encodeJSON(rest)
        // `"field":""` appears once: the field is the body's own, and inside
        // any other text a quote is escaped.
        let marker = Array("\"\(field)\":\"\"".utf8)
        guard let start = json.firstRange(of: marker), json[start.upperBound...].firstRange(of: marker) == nil
        else { return nil }
        json.insert(contentsOf: Data(bulk).base64EncodedData(), at: start.upperBound - 1)
        return json
    }
}

extension WireMessage {
    /// The field, the bytes and the message without its items, for a
    /// message whose items travel as bytes; nil for any other.
    fileprivate var bulkAsBytes: (field: String, bytes: [UInt8], rest: WireMessage)? {
        switch self {
        case .changes(var batch) where batch.changesAsBytes && !batch.changes.isEmpty:
            let bytes = Change.bytes(of: batch.changes)
            batch.changes = []
            return ("changeBytes", bytes, .changes(batch))
        case .batch(var batch) where batch.entriesAsBytes && !batch.entries.isEmpty:
            let bytes = LogEntry.bytes(of: batch.entries)
            batch.entries = []
            return ("entryBytes", bytes, .batch(batch))
        case .snapshotPart(var part) where part.rowsAsBytes && !part.rows.isEmpty:
            let bytes = SnapshotRow.bytes(of: part.rows)
            part.rows = []
            return ("rowBytes", bytes, .snapshotPart(part))
        default: return nil
        }
    }
}

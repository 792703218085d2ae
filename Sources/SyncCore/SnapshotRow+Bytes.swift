/// Snapshot rows as compact bytes on the wire (SPEC §7.2, §12.5): what a
/// snapshot part carries as `rowBytes`, base64, to a node that asked for
/// them with `rowEncoding: "bytes/1"`. Encoding and decoding rows as JSON
/// took most of a bootstrap's CPU at both ends.
extension SnapshotRow {
    /// The `rowEncoding` a node asks for, and the only one a hub sends
    /// besides JSON; any other value is answered in JSON.
    public static let bytesEncoding = "bytes/1"

    /// Each row as text `table`, text `key`, varint `seq`, then its state
    /// (§12.5) after its length as a varint.
    public static func bytes(of rows: [SnapshotRow]) -> [UInt8] {
        var writer = CompactBytes.Writer(capacity: rows.count * 160)
        for row in rows {
            writer.text(row.table)
            writer.text(row.key)
            writer.varint(row.seq)
            let state = row.stateBytes
            writer.varint(UInt64(state.count))
            writer.append(state)
        }
        return writer.bytes
    }

    public static func rows(fromBytes bytes: [UInt8]) throws(CompactBytes.Malformed) -> [SnapshotRow] {
        try CompactBytes.read(bytes) { reader throws(CompactBytes.Malformed) in
            var rows: [SnapshotRow] = []
            while !reader.isAtEnd {
                let table = try reader.text()
                let key = try reader.text()
                let seq = try reader.varint()
                let state = try reader.slice(count: try reader.varint())
                rows.append(try SnapshotRow(table: table, key: key, seq: seq, stateBytes: Array(state)))
            }
            return rows
        }
    }
}

extension SnapshotPart {
    private enum Keys: String, CodingKey {
        case node, channel, snapshotID, at, part, parts, rows, rowBytes, acks, history, window
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        node = try container.decode(NodeID.self, forKey: .node)
        channel = try container.decode(Channel.self, forKey: .channel)
        snapshotID = try container.decode(String.self, forKey: .snapshotID)
        at = try container.decode(UInt64.self, forKey: .at)
        part = try container.decode(Int.self, forKey: .part)
        parts = try container.decode(Int.self, forKey: .parts)
        acks = try container.decodeIfPresent([AckEntry].self, forKey: .acks)
        history = try container.decodeIfPresent(String.self, forKey: .history)
        window = try container.decodeIfPresent(SnapshotWindow.self, forKey: .window)
        (rows, rowsAsBytes) = try container.itemsOrBytes(
            json: .rows, bytes: .rowBytes, decode: SnapshotRow.rows(fromBytes:))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(node, forKey: .node)
        try container.encode(channel, forKey: .channel)
        try container.encode(snapshotID, forKey: .snapshotID)
        try container.encode(at, forKey: .at)
        try container.encode(part, forKey: .part)
        try container.encode(parts, forKey: .parts)
        try container.encode(rows, asBytes: rowsAsBytes, json: .rows, bytes: .rowBytes, encode: SnapshotRow.bytes(of:))
        try container.encodeIfPresent(acks, forKey: .acks)
        try container.encodeIfPresent(history, forKey: .history)
        try container.encodeIfPresent(window, forKey: .window)
    }
}

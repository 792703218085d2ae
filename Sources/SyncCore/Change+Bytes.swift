#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A change as compact bytes (SPEC §12.5): what a resend answer carries as
/// `entryBytes` to a node that asked with `entryEncoding: "bytes/1"` (§7.2).
/// Decoding log entries from JSON was half the CPU of a catch-up.
extension Change {
    /// The `entryEncoding` a node asks for; any other value is answered in JSON.
    public static let bytesEncoding = "bytes/1"
}

extension CompactBytes.Writer {
    /// Text `id.origin`, varints `id.epoch`, `id.seq`, `hlc.wallMillis`,
    /// `hlc.counter`, texts `table`, `key`, `channel`, the operation as a
    /// byte (0 insert, 1 update, 2 delete), the number of columns as a
    /// varint, then each column as text `name` and value, in increasing
    /// order of the names' UTF-8 bytes.
    public mutating func change(_ change: Change) {
        text(change.id.origin)
        varint(change.id.epoch)
        varint(change.id.seq)
        varint(change.hlc.wallMillis)
        varint(UInt64(change.hlc.counter))
        text(change.table)
        text(change.key)
        text(change.channel.name)
        switch change.op {
        case .insert: byte(0)
        case .update: byte(1)
        case .delete: byte(2)
        }
        keyed(change.columns) { writer, value in writer.value(value) }
    }
}

extension CompactBytes.Reader {
    public mutating func change() throws(CompactBytes.Malformed) -> Change {
        try changeAndColumnsOffset().change
    }

    /// A change, and the offset where its columns' bytes begin (their
    /// count); they end where the change does.
    mutating func changeAndColumnsOffset() throws(CompactBytes.Malformed) -> (change: Change, columnsAt: Int) {
        let origin = try text()
        let epoch = try varint()
        let seq = try varint()
        let wall = try varint()
        let counter = try varint()
        guard counter <= UInt64(UInt32.max) else { throw malformed("clock counter \(counter)") }
        let table = try text()
        let key = try text()
        let channelName = try text()
        guard let channel = Channel(channelName) else { throw malformed("channel \(channelName.prefix(80))") }
        let op: Change.Operation
        switch try byte() {
        case 0: op = .insert
        case 1: op = .update
        case 2: op = .delete
        case let other: throw malformed("operation \(other)")
        }
        let columnsAt = offset
        // A column takes at least 2 bytes: its name's length and a value tag.
        let columns = try keyed(minimumBytes: 2) { reader throws(CompactBytes.Malformed) in try reader.value() }
        let change = Change(
            id: ChangeID(origin: origin, epoch: epoch, seq: seq),
            hlc: HybridTimestamp(wallMillis: wall, counter: UInt32(counter)), table: table, key: key, channel: channel,
            op: op, columns: columns)
        return (change, columnsAt)
    }
}

extension Change {
    /// Each change after the other.
    public static func bytes(of changes: [Change]) -> [UInt8] {
        var writer = CompactBytes.Writer(capacity: changes.count * 200)
        for change in changes { writer.change(change) }
        return writer.bytes
    }

    public static func changes(fromBytes bytes: [UInt8]) throws(CompactBytes.Malformed) -> [Change] {
        try CompactBytes.read(bytes) { reader throws(CompactBytes.Malformed) in
            var changes: [Change] = []
            while !reader.isAtEnd { changes.append(try reader.change()) }
            return changes
        }
    }
}

extension ChangeBatch: Codable {
    private enum Keys: String, CodingKey { case node, sentAt, changes, changeBytes, history, chainBefore }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        node = try container.decode(NodeID.self, forKey: .node)
        sentAt = try container.decode(UInt64.self, forKey: .sentAt)
        history = try container.decodeIfPresent(String.self, forKey: .history)
        chainBefore = try container.decodeIfPresent(String.self, forKey: .chainBefore)
        (changes, changesAsBytes) = try container.itemsOrBytes(
            json: .changes, bytes: .changeBytes, decode: Change.changes(fromBytes:))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(node, forKey: .node)
        try container.encode(sentAt, forKey: .sentAt)
        try container.encode(
            changes, asBytes: changesAsBytes, json: .changes, bytes: .changeBytes, encode: Change.bytes(of:))
        try container.encodeIfPresent(history, forKey: .history)
        try container.encodeIfPresent(chainBefore, forKey: .chainBefore)
    }
}

extension LogEntry {
    /// Each entry as varint `seq` then its change, one after the other.
    public static func bytes(of entries: [LogEntry]) -> [UInt8] {
        var writer = CompactBytes.Writer(capacity: entries.count * 200)
        for entry in entries {
            writer.varint(entry.seq)
            if let bytes = entry.changeBytes { writer.append(bytes) } else { writer.change(entry.change) }
        }
        return writer.bytes
    }

    /// `bytes(of:)` of entries kept as their stores hold them.
    static func bytes(of entries: some Collection<EntryBytes>) -> [UInt8] {
        var writer = CompactBytes.Writer(capacity: entries.reduce(0) { $0 + $1.change.count + 10 })
        for entry in entries {
            writer.varint(entry.seq)
            writer.append(entry.change)
        }
        return writer.bytes
    }

    /// The entries of `bytes(of:)`, each insert with the row it makes of a
    /// new key (`insertedRow`).
    public static func entries(fromBytes bytes: [UInt8]) throws(CompactBytes.Malformed) -> [LogEntry] {
        try CompactBytes.read(bytes) { reader throws(CompactBytes.Malformed) in
            var entries: [LogEntry] = []
            while !reader.isAtEnd {
                let seq = try reader.varint()
                let (change, columnsAt) = try reader.changeAndColumnsOffset()
                var entry = LogEntry(seq: seq, change: change)
                if change.op == .insert {
                    entry.insertedRow = InsertedRow(change, columnBytes: reader.bytes(from: columnsAt))
                }
                entries.append(entry)
            }
            return entries
        }
    }
}

extension LogBatch {
    private enum Keys: String, CodingKey { case channel, prev, upTo, entries, entryBytes, history, more }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        channel = try container.decode(Channel.self, forKey: .channel)
        prev = try container.decode(UInt64.self, forKey: .prev)
        upTo = try container.decode(UInt64.self, forKey: .upTo)
        history = try container.decodeIfPresent(String.self, forKey: .history)
        (decodedEntries, entriesAsBytes) = try container.itemsOrBytes(
            json: .entries, bytes: .entryBytes, decode: LogEntry.entries(fromBytes:))
        more = try container.decodeIfPresent(Bool.self, forKey: .more) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(channel, forKey: .channel)
        try container.encode(prev, forKey: .prev)
        try container.encode(upTo, forKey: .upTo)
        if let encodedEntries {
            try container.encode(Data(encodedEntries).base64EncodedString(), forKey: .entryBytes)
        } else {
            try container.encode(
                entries, asBytes: entriesAsBytes, json: .entries, bytes: .entryBytes, encode: LogEntry.bytes(of:))
        }
        try container.encodeIfPresent(history, forKey: .history)
        if more { try container.encode(true, forKey: .more) }
    }
}

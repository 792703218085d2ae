/// Keeps every message well below the 1 MiB that every receiver enforces.
///
/// Senders split batches, catch-up answers and snapshots by count and by an
/// upper estimate of their encoded size, so no run of large rows can produce
/// a message that the other side must refuse, and refuse again on every retry.
enum MessageBudget {
    /// Bytes a message's items may take, by estimate: a quarter of the limit.
    static let bytes = 256 * 1024

    /// An upper bound of the JSON size of a change (ids, clock, names, and
    /// each text value as JSON escapes it).
    static func size(of change: Change) -> Int {
        var total = 200 + change.table.utf8.count + change.key.utf8.count + change.channel.name.utf8.count
        for (name, value) in change.columns { total += 8 + name.utf8.count + size(of: value) }
        return total
    }

    static func size(of row: SnapshotRow) -> Int {
        var total = 200 + row.table.utf8.count + row.key.utf8.count
        for (name, cell) in row.state.cells {
            total += 120 + name.utf8.count + cell.stamp.id.origin.utf8.count + size(of: cell.value)
        }
        return total
    }

    /// An upper bound of the size of a row sent as compact bytes in base64
    /// (§7.2): its table, key and state, and four varints (three lengths
    /// and the seq) of at most ten bytes each.
    static func size(asBytes row: SnapshotRow) -> Int {
        (row.table.utf8.count + row.key.utf8.count + row.stateBytes.count + 4 * 10 + 2) / 3 * 4
    }

    /// An upper bound of the size of a log entry sent as compact bytes in
    /// base64 (§7.2): its change's bytes and its seq's varint.
    static func size(asBytes entry: EntryBytes) -> Int {
        (entry.change.count + 10 + 2) / 3 * 4
    }

    private static func size(of value: Value) -> Int {
        switch value {
        case .null: 4
        case .int: 20
        case .text(let text): 2 + escapedSize(of: text)
        }
    }

    /// The size of a string in JSON: control characters take six bytes
    /// (`\u0001`), quotes and backslashes two, everything else its UTF-8
    /// (every byte of a multi-byte character is 0x80 or above).
    static func escapedSize(of text: String) -> Int {
        text.utf8.reduce(0) { total, byte in
            switch byte {
            case 0..<0x20: total + 6
            case 0x22, 0x5C: total + 2
            default: total + 1
            }
        }
    }

    /// Consecutive runs of `items`, each within `maxItems` and the byte
    /// budget, and never empty (an item above the budget travels alone).
    static func chunks<T>(_ items: [T], maxItems: Int, size: (T) -> Int) -> [ArraySlice<T>] {
        var result: [ArraySlice<T>] = []
        var start = items.startIndex
        while start < items.endIndex {
            var end = start
            var bytes = 0
            while end < items.endIndex && end - start < maxItems {
                let next = size(items[end])
                if end > start && bytes + next > Self.bytes { break }
                bytes += next
                end += 1
            }
            result.append(items[start..<end])
            start = end
        }
        return result
    }
}

/// A few columns' values read straight from a state's compact bytes
/// (SPEC §12.5), for a view that loads many rows and reads a handful of
/// their cells: decoding a whole state (a dictionary of every cell with its
/// stamp) and then picking six values out of it was nearly all of a
/// million-reservation book's reading thread at a restart or a snapshot.
extension RowState {
    /// The non-null values of `columns`, whatever the row's visibility.
    public func values(of columns: [String]) -> [String: Value] {
        var values: [String: Value] = [:]
        for column in columns {
            if let value = cells[column]?.value, value != .null { values[column] = value }
        }
        return values
    }

    /// The columns a projection reads, with their names' UTF-8 bytes at hand.
    public struct Projection: Sendable {
        let names: [String]
        let utf8: [[UInt8]]

        public init(_ names: [String]) {
            self.names = names
            self.utf8 = names.map { Array($0.utf8) }
        }

        /// Which of the names these bytes spell, if any.
        func index(of name: UnsafeRawBufferPointer) -> Int? {
            utf8.firstIndex { $0.count == name.count && $0.withUnsafeBytes { $0.elementsEqual(name) } }
        }
    }

    /// The non-null values of `projection`'s columns in `buffer`, as
    /// `RowState(bytes:).cells` would hold them, whatever the row's
    /// visibility. Every length and tag is checked as a whole decode checks
    /// it, so bytes cut short or out of shape still fail rather than trap;
    /// the order and distinctness of the cells' names are not: they are
    /// checked where a state enters a store, which decodes it whole.
    public static func values(
        of projection: Projection, inBytes buffer: UnsafeRawBufferPointer
    ) throws(CompactBytes.Malformed) -> [String: Value] {
        try CompactBytes.read(buffer) { reader throws(CompactBytes.Malformed) in
            if try reader.stateFlags() & 2 != 0 { try reader.skipStamp() }
            let count = try reader.varint()
            guard count <= UInt64(reader.remaining / Self.minimumCellBytes) else {
                throw reader.malformed("\(count) names promised")
            }
            var values: [String: Value] = [:]
            values.reserveCapacity(projection.names.count)
            for _ in 0..<count {
                let name = try reader.slice(count: try reader.varint())
                if let wanted = projection.index(of: name) {
                    let value = try reader.value()
                    if value != .null { values[projection.names[wanted]] = value }
                } else {
                    try reader.skipValue()
                }
                try reader.skipStamp()
            }
            return values
        }
    }
}

extension CompactBytes.Reader {
    /// Past a stamp, its counter checked as `stamp()` checks it.
    mutating func skipStamp() throws(CompactBytes.Malformed) {
        _ = try varint()
        guard try varint() <= UInt64(UInt32.max) else { throw malformed("clock counter out of range") }
        _ = try slice(count: try varint())
        _ = try varint()
        _ = try varint()
    }

    /// Past a value, its tag checked as `value()` checks it.
    mutating func skipValue() throws(CompactBytes.Malformed) {
        switch try byte() {
        case 0: break
        case 1: _ = try varint()
        case 2: _ = try slice(count: try varint())
        case let tag: throw malformed("value tag \(tag)")
        }
    }
}

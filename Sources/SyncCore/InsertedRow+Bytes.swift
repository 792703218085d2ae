/// The state bytes of a row an insert makes, copied from the insert's own
/// bytes instead of encoded again.
///
/// An insert's columns and the state it makes of a new key are written
/// alike (§12.5): a count, then each name and value in the order of the
/// names' bytes. The state adds its version and flags in front, and after
/// each value the cell's stamp, which is the insert's for every cell. So the
/// state's bytes are the insert's column bytes with one encoded stamp
/// repeated. Encoding the state afresh (the stamp's five fields for every
/// cell, the names sorted again) was about a third of the gate's decoding
/// of a catch-up's resend answers, 6 % of its CPU: on this machine the
/// gate's CPU is what bounds a catch-up.
extension InsertedRow {
    /// - Parameter columnBytes: the insert's columns as its bytes held them,
    ///   already read (and so checked) by `CompactBytes.Reader.change()`.
    init(_ insert: Change, columnBytes: UnsafeRawBufferPointer) {
        guard let bytes = Self.stateBytes(ofInsert: insert, columnBytes: columnBytes) else {
            // Bytes that do not read as checked columns: never, but made the long way then.
            self.init(insert)
            return
        }
        var state = RowState()
        state.apply(insert)
        self.init(state: state, stateBytes: bytes)
    }

    /// nil if `columnBytes` do not read as columns.
    static func stateBytes(ofInsert insert: Change, columnBytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var stamp = CompactBytes.Writer(capacity: 32)
        stamp.stamp(insert.stamp)
        let stampBytes = stamp.bytes
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2 + columnBytes.count + insert.columns.count * stampBytes.count)
        bytes.append(RowState.bytesVersion)
        bytes.append(1)  // flags: inserted, not deleted
        let copied = Result { () throws(CompactBytes.Malformed) in
            try CompactBytes.read(columnBytes) { reader throws(CompactBytes.Malformed) in
                let count = try reader.varint()
                bytes.append(contentsOf: reader.bytes(from: 0))
                for _ in 0..<count {
                    let start = reader.offset
                    _ = try reader.slice(count: try reader.varint())
                    try reader.skipValue()
                    bytes.append(contentsOf: reader.bytes(from: start))
                    bytes.append(contentsOf: stampBytes)
                }
            }
        }
        guard case .success = copied else { return nil }
        return bytes
    }
}

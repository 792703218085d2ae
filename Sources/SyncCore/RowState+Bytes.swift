/// The merge state of a row as the stores keep it: compact bytes (SPEC
/// §12.5), about a hundred times cheaper to write and read than the JSON it
/// replaced, which dominated every commit, snapshot and catch-up.
///
/// The bytes are canonical: cells in order of their name's UTF-8 bytes, so
/// one state has one encoding, and a decoder refuses any other order.
extension RowState {
    /// The first byte: the version of the layout that follows.
    public static let bytesVersion: UInt8 = 1
    /// A cell takes at least 7 bytes: its name's length, a value tag, five stamp fields.
    static let minimumCellBytes = 7

    public var bytes: [UInt8] {
        var writer = CompactBytes.Writer(capacity: 32 + cells.count * 48)
        writer.byte(Self.bytesVersion)
        writer.byte((inserted ? 1 : 0) | (deleted != nil ? 2 : 0))
        if let deleted { writer.stamp(deleted) }
        writer.keyed(cells) { writer, cell in
            writer.value(cell.value)
            writer.stamp(cell.stamp)
        }
        return writer.bytes
    }

    public init(bytes buffer: UnsafeRawBufferPointer) throws(CompactBytes.Malformed) {
        self = try CompactBytes.read(buffer) { reader throws(CompactBytes.Malformed) in
            let flags = try reader.stateFlags()
            let deleted = flags & 2 != 0 ? try reader.stamp() : nil
            let cells = try reader.keyed(minimumBytes: Self.minimumCellBytes) { reader throws(CompactBytes.Malformed) in
                Cell(value: try reader.value(), stamp: try reader.stamp())
            }
            return RowState(inserted: flags & 1 != 0, deleted: deleted, cells: cells)
        }
    }

    public init(bytes: [UInt8]) throws(CompactBytes.Malformed) {
        let result: Result<RowState, CompactBytes.Malformed> = bytes.withUnsafeBytes { buffer in
            Result { () throws(CompactBytes.Malformed) -> RowState in try RowState(bytes: buffer) }
        }
        self = try result.get()
    }
}

extension CompactBytes.Writer {
    /// `wallMillis`, `counter`, `origin`, `epoch`, `seq`.
    public mutating func stamp(_ stamp: Stamp) {
        varint(stamp.hlc.wallMillis)
        varint(UInt64(stamp.hlc.counter))
        text(stamp.id.origin)
        varint(stamp.id.epoch)
        varint(stamp.id.seq)
    }

    /// A tag byte: 0 null, 1 an integer (zigzag varint), 2 a text.
    public mutating func value(_ value: Value) {
        switch value {
        case .null: byte(0)
        case .int(let number):
            byte(1)
            signed(number)
        case .text(let text):
            byte(2)
            self.text(text)
        }
    }
}

extension CompactBytes.Reader {
    /// A state's version byte, checked, then its flags (bit 0: inserted;
    /// bit 1: deleted, whose stamp follows), no other bit set.
    mutating func stateFlags() throws(CompactBytes.Malformed) -> UInt8 {
        let version = try byte()
        guard version == RowState.bytesVersion else { throw malformed("merge state version \(version)") }
        let flags = try byte()
        guard flags & ~3 == 0 else { throw malformed("unknown flags \(flags)") }
        return flags
    }

    public mutating func stamp() throws(CompactBytes.Malformed) -> Stamp {
        let wall = try varint()
        let counter = try varint()
        guard counter <= UInt64(UInt32.max) else { throw malformed("clock counter \(counter)") }
        let origin = try text()
        let epoch = try varint()
        let seq = try varint()
        return Stamp(
            hlc: HybridTimestamp(wallMillis: wall, counter: UInt32(counter)),
            id: ChangeID(origin: origin, epoch: epoch, seq: seq))
    }

    public mutating func value() throws(CompactBytes.Malformed) -> Value {
        switch try byte() {
        case 0: .null
        case 1: .int(try signed())
        case 2: .text(try text())
        case let tag: throw malformed("value tag \(tag)")
        }
    }
}

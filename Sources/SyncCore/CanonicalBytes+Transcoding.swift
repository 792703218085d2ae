/// A row state's canonical bytes (SPEC §12.4) read straight from its compact
/// bytes (§12.5), without decoding the state: the two layouts hold the same
/// fields in the same order (cells by their names' UTF-8 bytes), so one pass
/// converts each field where it stands. Decoding each state into its
/// dictionary of cells and sorting their names again was most of a snapshot
/// window's chain (§9.5) at both ends, hub and node.
extension CanonicalBytes {
    /// Appends the canonical bytes of the state `compact` encodes.
    /// - Returns: false, with nothing appended, if `compact` is not a
    ///   state's compact bytes (the caller then encodes the decoded state).
    mutating func append(transcoding compact: [UInt8]) -> Bool {
        let mark = bytes.count
        do {
            try CompactBytes.read(compact) { reader throws(CompactBytes.Malformed) in
                try transcodeState(&reader)
            }
            return true
        } catch {
            bytes.removeSubrange(mark...)
            return false
        }
    }

    private mutating func transcodeState(_ reader: inout CompactBytes.Reader) throws(CompactBytes.Malformed) {
        let flags = try reader.stateFlags()
        bytes.append(flags & 1)
        if flags & 2 != 0 {
            bytes.append(1)
            try transcodeStamp(&reader)
        } else {
            bytes.append(0)
        }
        let cells = try reader.varint()
        append(UInt32(clamping: cells))
        for _ in 0..<cells {
            try transcodeText(&reader)
            switch try reader.byte() {
            case 0: bytes.append(0)
            case 1:
                bytes.append(1)
                append(UInt64(bitPattern: try reader.signed()))
            case 2:
                bytes.append(2)
                try transcodeText(&reader)
            case let tag: throw reader.malformed("value tag \(tag)")
            }
            try transcodeStamp(&reader)
        }
    }

    /// A compact stamp is clock, counter, origin, epoch, seq; its canonical
    /// form is the first three (§12.4: one change may be known under two ids).
    private mutating func transcodeStamp(_ reader: inout CompactBytes.Reader) throws(CompactBytes.Malformed) {
        append(try reader.varint())
        let counter = try reader.varint()
        guard let counter = UInt32(exactly: counter) else { throw reader.malformed("clock counter \(counter)") }
        append(counter)
        try transcodeText(&reader)
        _ = try reader.varint()
        _ = try reader.varint()
    }

    private mutating func transcodeText(_ reader: inout CompactBytes.Reader) throws(CompactBytes.Malformed) {
        append(framed: try reader.slice(count: try reader.varint()))
    }
}

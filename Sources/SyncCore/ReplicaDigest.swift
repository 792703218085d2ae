/// A canonical hash of the merge state of one channel's rows (SPEC §12.4):
/// equal replicas give equal digests, whatever order they merged in, and a
/// replica written from the spec alone gives the same digest.
///
/// It covers the whole state the protocol must agree on, not only what a
/// user sees: each row's insert flag, its delete stamp, and every cell's
/// value and stamp. Two replicas that show the same values but would merge
/// a later change differently (one holds a row inserted, the other not; one
/// holds a cell set by a later clock) differ.
///
/// A stamp counts as its clock and origin, `(wallMillis, counter, origin)`:
/// a node renumbers a change into a new epoch after a hub restore (§9.6), so
/// one change can be known under two ids, while one origin never stamps two
/// changes with one clock.
public enum ReplicaDigest {
    /// How close to its end an event row stops counting: a day, far more
    /// than any clock the hub's stamp bounds let through.
    public static let expiryMarginMillis: UInt64 = 86_400_000

    /// The bytes every digest starts with, naming this definition.
    static let header = "malledge-digest/2"

    /// - Parameters:
    ///   - floor: the channel's floor (§12): tombstones at or below it are
    ///     left out, as each replica forgets them at its own pace.
    ///   - schema: the tables and columns counted (§16.1): a node of an
    ///     older schema holds only those, so the hub's replica is compared
    ///     with it through the node's schema.
    ///   - now: event rows past their table's retention, or within
    ///     `expiryMarginMillis` of it, are left out: replicas drop them at
    ///     their own pace and by their own clocks (§12.1). Nil keeps them all.
    public static func of(_ rows: [SnapshotRow], floor: UInt64, schema: SyncSchema, now: UInt64? = nil) -> String {
        var bytes = CanonicalBytes()
        bytes.append(text: header)
        for row in inDigestOrder(counted(rows, floor: floor, schema: schema, now: now)) {
            bytes.append(row: row)
        }
        return Digest64.fullHex(of: bytes.bytes)
    }

    /// The rows a digest at `floor` and `now` covers, as `schema` knows them.
    public static func counted(_ rows: [SnapshotRow], floor: UInt64, schema: SyncSchema, now: UInt64?)
        -> [SnapshotRow]
    {
        let cutoff = now.map { $0 > .max - expiryMarginMillis ? .max : $0 + expiryMarginMillis }
        return rows.compactMap(schema.known).filter { row in
            if row.state.isTombstone { return row.seq > floor }
            guard let cutoff, let table = schema.tables[row.table] else { return true }
            return !table.hasExpired(row.state, now: cutoff)
        }
    }

    /// Rows in the digest's order: by table, then key, comparing UTF-8 bytes
    /// (Swift's own `String` order is by Unicode canonical equivalence).
    public static func inDigestOrder(_ rows: [SnapshotRow]) -> [SnapshotRow] {
        rows.sorted { $0.ref.precedesBytewise($1.ref) }
    }

    /// The canonical bytes of one row, as they enter the digest.
    public static func canonicalBytes(of row: SnapshotRow) -> [UInt8] {
        var bytes = CanonicalBytes()
        bytes.append(row: row)
        return bytes.bytes
    }
}

/// The encoding SPEC §12.4 defines: big-endian integers, length-prefixed
/// UTF-8 text, one tag byte per value.
struct CanonicalBytes {
    var bytes: [UInt8] = []

    mutating func append(row: SnapshotRow) {
        append(text: row.table)
        append(text: row.key)
        if let stateBytes = row.decodedFrom, append(transcoding: stateBytes) { return }
        bytes.append(row.state.inserted ? 1 : 0)
        if let deleted = row.state.deleted {
            bytes.append(1)
            append(stamp: deleted)
        } else {
            bytes.append(0)
        }
        append(UInt32(clamping: row.state.cells.count))
        let cells = row.state.cells
        for index in cells.indicesInByteOrderOfKeys {
            let (name, cell) = cells[index]
            append(text: name)
            append(value: cell.value)
            append(stamp: cell.stamp)
        }
    }

    mutating func append(value: Value) {
        switch value {
        case .null: bytes.append(0)
        case .int(let int):
            bytes.append(1)
            append(UInt64(bitPattern: int))
        case .text(let text):
            bytes.append(2)
            append(text: text)
        }
    }

    mutating func append(stamp: Stamp) {
        append(stamp.hlc.wallMillis)
        append(stamp.hlc.counter)
        append(text: stamp.id.origin)
    }

    /// Straight from the string's storage: copying each text into an array
    /// of its own first was a fifth of a snapshot window's chain.
    mutating func append(text: String) {
        var text = text
        text.withUTF8 { append(framed: UnsafeRawBufferPointer($0)) }
    }

    /// Bytes framed as a text is: their count, then the bytes (a text's
    /// UTF-8, or a state's compact bytes in the snapshot chain).
    mutating func append(framed: UnsafeRawBufferPointer) {
        append(UInt32(clamping: framed.count))
        bytes.append(contentsOf: framed)
    }

    mutating func append<Integer: FixedWidthInteger>(_ integer: Integer) {
        withUnsafeBytes(of: integer.bigEndian) { bytes += $0 }
    }
}

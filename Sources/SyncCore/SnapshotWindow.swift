/// A snapshot taken in windows (SPEC §9.5): the node asks for one window of
/// rows at a time, after the last row it has staged, and the hub reads that
/// window from its store and sends it. Neither side ever holds the channel:
/// the hub reads a window, the node stages it on disk, and an interrupted
/// snapshot resumes after the last window staged instead of starting over.
///
/// Windows are read at different times, so together they are not the
/// channel's state at one hub sequence. They are at least as new as `at`,
/// the head when the first window was read, and merging is idempotent
/// (§10), so the node installs them with its cursor at `at` and catches up
/// from there: the entries after `at` that a window already holds change
/// nothing. While the node has no cursor, or one below the floor, its
/// reported cursor holds the channel's floor (§12), so no tombstone the
/// catch-up needs is collected in between.
public struct SnapshotWindow: Hashable, Sendable, Codable {
    /// The last row of the window before (nil: the first window).
    public var after: RowRef?
    /// The last row the hub read for this window (nil: none were left). A row
    /// the hub leaves out (§9.5, stored before values were bounded) still
    /// moves the position past it.
    public var through: RowRef?
    /// No rows after `through`: the node installs once this window is staged.
    public var last: Bool
    /// `SnapshotChain` over every row sent so far, this window's included:
    /// the node checks the window it assembled against it.
    public var chain: String
    /// The `SnapshotChain.Version` this window's chain step is of, as a
    /// number; nil for version 1, which a hub that knows no other sends.
    public var chainVersion: Int?
    /// How many rows the channel held when the snapshot started (first
    /// window only), for progress.
    public var total: UInt64?

    /// `chainVersion` as a version this code knows; nil for one it does not
    /// (refused when the part is validated).
    public var chainStep: SnapshotChain.Version? { SnapshotChain.Version(rawValue: chainVersion ?? 1) }

    public init(
        after: RowRef?, through: RowRef?, last: Bool, chain: String, total: UInt64? = nil, chainVersion: Int? = nil
    ) {
        self.chainVersion = chainVersion
        self.after = after
        self.through = through
        self.last = last
        self.chain = chain
        self.total = total
    }
}

/// How far a node has staged a windowed snapshot: what it asks to resume
/// from, and what it keeps on disk across retries and restarts.
public struct SnapshotProgress: Hashable, Sendable, Codable {
    public var snapshotID: String
    /// The hub sequence the snapshot starts at: the cursor it installs with.
    public var at: UInt64
    /// The last row staged (nil: none yet, or the channel was empty).
    public var through: RowRef?
    /// Rows staged so far.
    public var held: UInt64
    /// `SnapshotChain` through the rows staged.
    public var chain: String
    /// Rows in the channel when the snapshot started, as the hub counted them.
    public var total: UInt64?
    /// The hub log history `at` belongs to (§9.6), as its windows named it:
    /// after a restore of the hub, rows staged under the history it went
    /// back on may hold what the restored hub lost.
    public var history: String?

    public init(
        snapshotID: String, at: UInt64, through: RowRef?, held: UInt64, chain: String, total: UInt64? = nil,
        history: String? = nil
    ) {
        self.history = history
        self.snapshotID = snapshotID
        self.at = at
        self.through = through
        self.held = held
        self.chain = chain
        self.total = total
    }
}

/// A running digest of the rows of a windowed snapshot, in the order sent
/// (SPEC §9.5): `next = SHA-256(header ‖ previous ‖ bytes of each row)` in
/// lowercase hex, starting from the empty text. The hub puts it in every
/// window; the node recomputes it over what it assembled, so a window put
/// together from parts of two different reads, or resumed from a position
/// the hub did not send, is refused instead of installed.
public enum SnapshotChain {
    /// How a row enters the chain. The node asks for the newest it knows;
    /// the hub answers with the newest of its own not above that, and names
    /// it in each window (absent: `canonical`).
    public enum Version: Int, Sendable {
        /// Each row's canonical bytes (§12.4): the state transcoded field
        /// by field at both ends, a sixth of a bootstrap's CPU on each.
        case canonical = 1
        /// Each row's table, key, seq and state bytes (§12.5) as they
        /// travel and are stored: nothing encoded for the chain alone.
        case stateBytes = 2

        public static let newest = Version.stateBytes

        /// The version a hub serves a node that asked for `asked` (a
        /// version number from the wire, nil from a node that names none).
        public static func served(asked: Int?) -> Version {
            guard let asked else { return .canonical }
            return asked >= newest.rawValue ? newest : Version(rawValue: asked) ?? .canonical
        }

        var header: String { "malledge-snapshot-chain/\(rawValue)" }
    }

    public static func next(after previous: String, rows: [SnapshotRow], version: Version) -> String {
        var bytes = CanonicalBytes()
        bytes.append(text: version.header)
        bytes.append(text: previous)
        switch version {
        case .canonical:
            for row in rows { bytes.append(row: row) }
        case .stateBytes:
            for index in rows.indices {
                bytes.append(text: rows[index].table)
                bytes.append(text: rows[index].key)
                bytes.append(rows[index].seq)
                rows[index].stateBytes.withUnsafeBytes { bytes.append(framed: $0) }
            }
        }
        return Digest64.fullHex(of: bytes.bytes)
    }

    /// Empty (nothing sent yet) or 64 lowercase hex digits.
    public static func isWellFormed(_ chain: String) -> Bool {
        chain.isEmpty || Digest64.isLowercaseHex(chain, digits: 64)
    }
}

extension RowRef {
    /// Whether this row comes before `other` in a snapshot's and a digest's
    /// order: by table, then key, comparing UTF-8 bytes (Swift's own `String`
    /// order is by Unicode canonical equivalence; SQLite's is by bytes).
    public func precedesBytewise(_ other: RowRef) -> Bool {
        if table.precedesBytewise(other.table) { return true }
        if other.table.precedesBytewise(table) { return false }
        return key.precedesBytewise(other.key)
    }
}

/// A node's windowed snapshot as the hub last served it: rows sent so far
/// (by the node's own count of what it staged when it asked, plus this
/// window: a window behind while the node asks ahead, §9.5) of the total
/// counted at the start.
public struct ServedSnapshot: Hashable, Sendable {
    public var channel: Channel
    public var snapshotID: String
    public var at: UInt64
    public var sent: UInt64
    public var total: UInt64?
    public var lastWindowAt: UInt64
}

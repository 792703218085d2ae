/// What a fleet replicates, given to the engines as a value: the tables
/// (columns, types, how they merge, where they travel), the channel kinds,
/// which channels each role replicates, what each role may write, and which
/// items may be used only once. The core knows none of it in advance: a
/// domain module builds its schema and hands it to the engines, the codec
/// and the stores, so a new table or rule is a change of data there.
public struct SyncSchema: Sendable {
    public struct Table: Sendable {
        public enum Kind: Sendable {
            /// Rows whose columns change: merged column by column, last writer wins.
            case mutable
            /// Append-only facts (entries, uses, log lines): a set
            /// that only grows; rows are inserted once and never changed.
            case events
        }

        /// A column's type and, for integers, the values it may hold. Every
        /// integer column is bounded, so that no rule or view doing arithmetic
        /// on a replicated value can overflow (a trap would take the process
        /// down on any row a stolen device managed to write).
        public enum ColumnType: Hashable, Sendable {
            /// An integer within the range (a count, a confidence, a flag).
            case int(ClosedRange<Int64>)
            /// Milliseconds since 1970, within `SyncSchema.timeRange`.
            case time
            case text

            /// The type as the spec and the JSON schemas name it.
            public var name: String {
                switch self {
                case .int, .time: "int"
                case .text: "text"
                }
            }

            /// The integers this column accepts (nil for text).
            public var range: ClosedRange<Int64>? {
                switch self {
                case .int(let range): range
                case .time: SyncSchema.timeRange
                case .text: nil
                }
            }
        }

        public var name: String
        public var kind: Kind
        public var columns: [String: ColumnType]
        /// The channel kinds a row of this table may travel on.
        public var channelKinds: Set<Channel.Kind>
        /// Columns no API returns (a PIN hash): they replicate to the nodes
        /// that verify them and go no further.
        public var secretColumns: Set<String>
        /// How long an event row is kept after it was made (nil: for ever).
        /// Every replica, the hub's included, drops it then, and no digest,
        /// snapshot or decision counts it any more (SPEC §12.1).
        public var retainMillis: UInt64?
        /// When an event row that says when the thing it used lapses (a use
        /// of a voucher carrying the voucher's `valid_to`) may leave sooner.
        public var lapse: Lapse?
        /// When the hub deletes a mutable row: this long after the time in
        /// `column` (a booking a month after its window ended). The
        /// delete travels like any change (SPEC §12.2).
        public var retirement: (column: String, afterMillis: UInt64)?

        public init(
            name: String, kind: Kind, columns: [String: ColumnType], channelKinds: Set<Channel.Kind>,
            secretColumns: Set<String> = [], retainMillis: UInt64? = nil, lapse: Lapse? = nil,
            retirement: (column: String, afterMillis: UInt64)? = nil
        ) {
            self.name = name
            self.kind = kind
            self.columns = columns
            self.channelKinds = channelKinds
            self.secretColumns = secretColumns
            self.retainMillis = kind == .events ? retainMillis : nil
            self.lapse = kind == .events && columns[lapse?.column ?? ""] == .time ? lapse : nil
            self.retirement = kind == .mutable && columns[retirement?.column ?? ""] == .time ? retirement : nil
        }

        /// Whether an event row of this table has reached its end of life
        /// (`endOfLife`) at `now`.
        public func hasExpired(_ state: RowState, now: UInt64) -> Bool {
            guard let end = endOfLife(state) else { return false }
            return kind == .events && end <= now
        }

        /// When a row leaves: an event row when its retention ends, a mutable
        /// row when the hub retires it; nil for rows kept for ever (or with
        /// no time to go by).
        public func endOfLife(_ state: RowState) -> UInt64? {
            if let retainMillis, let made = state.newestWall {
                guard let longest = Self.adding(retainMillis, to: made) else { return nil }
                guard let lapse, case .int(let time)? = state.cells[lapse.column]?.value, time >= 0,
                    let lapsed = Self.adding(lapse.afterMillis, to: UInt64(time)),
                    let earliest = Self.adding(lapse.atLeastMillis, to: made)
                else { return longest }
                return min(longest, max(earliest, lapsed))
            }
            if let retirement, case .int(let time)? = state.cells[retirement.column]?.value, time >= 0 {
                return Self.adding(retirement.afterMillis, to: UInt64(time))
            }
            return nil
        }

        private static func adding(_ millis: UInt64, to time: UInt64) -> UInt64? {
            let (sum, overflow) = time.addingReportingOverflow(millis)
            return overflow ? nil : sum
        }

        /// An event row's shorter life when it names the time the thing it used
        /// lapses: it leaves `afterMillis` past that time, though never sooner
        /// than `atLeastMillis` after it was made (a forged time buys a stolen
        /// device little) nor later than its table's `retainMillis` (a row that
        /// names no time, from an older node, is kept that long).
        public struct Lapse: Sendable {
            public var column: String
            public var afterMillis: UInt64
            public var atLeastMillis: UInt64

            public init(column: String, afterMillis: UInt64, atLeastMillis: UInt64) {
                self.column = column
                self.afterMillis = afterMillis
                self.atLeastMillis = atLeastMillis
            }
        }
    }

    public var tables: [String: Table]
    /// Every channel kind, in the order documents list them.
    public var channelKinds: [Channel.Kind]
    /// The channel kinds each node role replicates (the hub replicates all).
    public var subscriptions: [Role: [Channel.Kind]]
    public var rights: Rights
    public var singleUseRules: [SingleUseRule]

    /// The times a time column may hold: from 1970 up to 2^53 - 1 ms (the
    /// integers every JSON reader holds exactly). Any difference of two times,
    /// or a time plus a grace of days, stays far inside Int64. (A change's own
    /// timestamp is bounded against the hub's clock by `StampBounds`.)
    public static let timeRange: ClosedRange<Int64> = 0...((1 << 53) - 1)

    /// The longest text value a column may hold. With the schema's column
    /// counts this keeps any one change far below a message's size budget.
    public static let maxTextBytes = 16 * 1024

    /// - Parameters:
    ///   - tables: the tables; include `ConflictLedger.table` on the channels
    ///     whose conflicts the hub should record (§11).
    ///   - channelKinds: every kind a table travels on or a role replicates.
    public init(
        tables: [Table], channelKinds: [Channel.Kind], subscriptions: [Role: [Channel.Kind]], rights: Rights,
        singleUseRules: [SingleUseRule]
    ) {
        self.tables = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })
        self.channelKinds = channelKinds
        self.subscriptions = subscriptions
        self.subscriptions[.hub] = channelKinds
        self.rights = rights
        self.singleUseRules = singleUseRules
    }

    /// The node roles, in a stable order (the hub is not one).
    public var nodeRoles: [Role] { subscriptions.keys.filter { $0 != .hub }.sorted() }

    /// The channels of `mall` that a node of `role` replicates, in order.
    public func channels(of role: Role, in mall: String) -> [Channel] {
        (subscriptions[role] ?? []).map { Channel(mall: mall, kind: $0) }.sorted()
    }

    /// Why a change does not fit the schema, in words fit for a log line
    /// (names only, never values).
    public func violation(of change: Change) -> String? {
        guard let table = tables[change.table] else { return "unknown table \(change.table)" }
        return violation(of: change, in: table, passingUnknownColumns: false)
    }

    /// `violation(of:)` for a change of a table already looked up, each
    /// column looked up once; with `passingUnknownColumns`, a column the
    /// table lacks passes by unchecked (§16.1), as `known(_:)` would drop it.
    func violation(of change: Change, in table: Table, passingUnknownColumns: Bool) -> String? {
        guard table.channelKinds.contains(change.channel.kind) else {
            return "table \(change.table) does not travel on \(change.channel.kind.rawValue)"
        }
        if let violation = Self.violation(ofKey: change.key) { return violation }
        if table.kind == .events && change.op != .insert {
            return "table \(change.table) is append-only"
        }
        if change.op == .delete,
            passingUnknownColumns
                ? change.columns.keys.contains(where: { table.columns[$0] != nil }) : !change.columns.isEmpty
        {
            return "a delete sets no columns"
        }
        for (name, value) in change.columns {
            guard let type = table.columns[name] else {
                if passingUnknownColumns { continue }
                return "unknown column \(table.name).\(name)"
            }
            if let violation = table.violation(column: name, of: type, value: value) { return violation }
        }
        return nil
    }

    /// Why a row key is unusable: 1 to 128 bytes of UTF-8, no character below U+0020.
    /// (Scanned as bytes: in UTF-8 a byte below 0x80 is always a character of
    /// its own, never part of a longer one.)
    static func violation(ofKey key: String) -> String? {
        guard !key.isEmpty, key.utf8.count <= 128, !key.utf8.contains(where: { $0 < 0x20 }) else {
            return "row key is empty, too long or has control characters"
        }
        return nil
    }

    /// Why a snapshot row's merge state does not fit the schema: an unknown
    /// table, or a cell that a change could not have written.
    public func violation(of row: SnapshotRow) -> String? {
        guard let table = tables[row.table] else { return "unknown table \(row.table)" }
        if let violation = Self.violation(ofKey: row.key) { return violation }
        for (name, cell) in row.state.cells {
            if let violation = table.violation(column: name, value: cell.value) { return violation }
        }
        return nil
    }
}

extension SyncSchema.Table {
    /// Why `value` cannot be held by column `name` of this table, or nil.
    public func violation(column name: String, value: Value) -> String? {
        guard let type = columns[name] else { return "unknown column \(self.name).\(name)" }
        return violation(column: name, of: type, value: value)
    }

    /// As `violation(column:value:)`, for a column already looked up.
    func violation(column name: String, of type: ColumnType, value: Value) -> String? {
        switch (type, value) {
        case (_, .null): return nil
        case (.int, .int(let number)), (.time, .int(let number)):
            guard let range = type.range, range.contains(number) else {
                return "column \(self.name).\(name) is out of range"
            }
            return nil
        case (.text, .text): return SyncSchema.violation(ofValue: value, column: "\(self.name).\(name)")
        default: return "column \(self.name).\(name) expects \(type.name)"
        }
    }
}

extension SyncSchema {
    /// Why a value is unfit for any column, whatever its type: text above
    /// `maxTextBytes` or holding a separator control character. (Integers
    /// above 2^53 - 1 are refused where messages are decoded.)
    ///
    /// `column` names the column in the message and is built only for one:
    /// every value of every change passes here. The text is scanned as bytes
    /// (in UTF-8 a byte below 0x80 is always a character of its own).
    static func violation(ofValue value: Value, column: @autoclosure () -> String) -> String? {
        guard case .text(let text) = value else { return nil }
        if text.utf8.count > maxTextBytes { return "column \(column()) holds more than \(maxTextBytes) bytes" }
        if text.utf8.contains(where: { (0x1C...0x1F).contains($0) }) {
            return "column \(column()) holds a separator control character"
        }
        return nil
    }
}

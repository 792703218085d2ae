/// The replicated tables: their columns, how they merge and where they travel.
public struct Schema: Sendable {
    public struct Table: Sendable {
        public enum Kind: Sendable {
            /// Rows whose columns change: merged column by column, last writer wins.
            case mutable
            /// Append-only facts (passages, redemptions, audit entries): a set
            /// that only grows; rows are inserted once and never changed.
            case events
        }

        public enum ColumnType: String, Sendable { case int, text }

        public var name: String
        public var kind: Kind
        public var columns: [String: ColumnType]
        /// The channel kinds a row of this table may travel on.
        public var channelKinds: Set<Channel.Kind>

        public init(name: String, kind: Kind, columns: [String: ColumnType], channelKinds: Set<Channel.Kind>) {
            self.name = name
            self.kind = kind
            self.columns = columns
            self.channelKinds = channelKinds
        }
    }

    public var tables: [String: Table]

    /// The longest text value a column may hold. With the schema's column
    /// counts this keeps any one change far below a message's size budget.
    public static let maxTextBytes = 16 * 1024

    public init(_ tables: [Table]) {
        self.tables = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })
    }

    /// Why a change does not fit the schema, in words fit for a log line
    /// (names only, never values).
    public func violation(of change: Change) -> String? {
        guard let table = tables[change.table] else { return "unknown table \(change.table)" }
        guard table.channelKinds.contains(change.channel.kind) else {
            return "table \(change.table) does not travel on \(change.channel.kind.rawValue)"
        }
        guard !change.key.isEmpty, change.key.utf8.count <= 128,
            !change.key.unicodeScalars.contains(where: { $0.value < 0x20 })
        else {
            return "row key is empty, too long or has control characters"
        }
        if table.kind == .events && change.op != .insert {
            return "table \(change.table) is append-only"
        }
        if change.op == .delete && !change.columns.isEmpty { return "a delete sets no columns" }
        for (name, value) in change.columns {
            guard let type = table.columns[name] else { return "unknown column \(change.table).\(name)" }
            switch (type, value) {
            case (_, .null), (.int, .int): continue
            case (.text, .text(let text)):
                if text.utf8.count > Self.maxTextBytes {
                    return "column \(change.table).\(name) holds more than \(Self.maxTextBytes) bytes"
                }
                if text.unicodeScalars.contains(where: { (0x1C...0x1F).contains($0.value) }) {
                    return "column \(change.table).\(name) holds a separator control character"
                }
            default: return "column \(change.table).\(name) expects \(type.rawValue)"
            }
        }
        return nil
    }
}

extension Schema {
    /// MallEdge's tables.
    public static let mall = Schema([
        Table(
            name: "members", kind: .mutable,
            columns: ["name": .text, "tier": .text, "phone": .text, "card_no": .text, "guests_allowed": .int],
            channelKinds: [.members]),
        Table(
            name: "vehicles", kind: .mutable,
            columns: ["member_id": .text, "plate": .text],
            channelKinds: [.parking]),
        Table(
            name: "reservations", kind: .mutable,
            columns: [
                "member_id": .text, "plate": .text, "zone": .text, "window_start": .int, "window_end": .int,
                "status": .text,
            ],
            channelKinds: [.parking]),
        Table(
            name: "gate_passages", kind: .events,
            columns: [
                "reservation_id": .text, "lane": .text, "direction": .text, "plate_raw": .text, "plate": .text,
                "decision": .text, "reason": .text, "rule": .text, "confidence": .int,
                "character_confidences": .text, "alternatives": .text, "suggestions": .text, "at": .int,
            ],
            channelKinds: [.parking]),
        Table(
            name: "gift_codes", kind: .mutable,
            columns: ["member_id": .text, "gift": .text, "valid_from": .int, "valid_to": .int, "key_id": .text],
            channelKinds: [.gifts]),
        Table(
            name: "gift_keys", kind: .mutable,
            columns: ["public_key": .text, "valid_from": .int, "valid_to": .int],
            channelKinds: [.gifts]),
        Table(
            name: "gift_revocations", kind: .events,
            columns: ["code_id": .text, "reason": .text, "at": .int],
            channelKinds: [.gifts]),
        Table(
            name: "gift_redemptions", kind: .events,
            columns: [
                "code_id": .text, "counter": .text, "staff_id": .text, "member_id": .text, "gift": .text, "at": .int,
            ],
            channelKinds: [.gifts]),
        Table(
            name: "lounge_visits", kind: .mutable,
            columns: [
                "member_id": .text, "guests": .int, "status": .text, "checked_in_at": .int, "checked_out_at": .int,
                "closed_by": .text,
            ],
            channelKinds: [.lounge]),
        Table(
            name: "staff", kind: .mutable,
            columns: ["name": .text, "roles": .text, "pin_hash": .text, "active": .int],
            channelKinds: [.staff]),
        Table(
            name: "audit_log", kind: .events,
            columns: [
                "actor": .text, "action": .text, "target": .text, "outcome": .text, "node": .text, "at": .int,
            ],
            channelKinds: [.audit]),
        Table(
            name: "conflicts", kind: .mutable,
            columns: [
                "kind": .text, "item": .text, "rule": .text, "winner": .text, "sides": .text, "status": .text,
                "detected_at": .int, "claims": .int, "resolution": .text, "resolved_by": .text, "resolved_at": .int,
                "note": .text,
            ],
            channelKinds: [.parking, .gifts, .lounge]),
    ])
}

/// What each node role may do to the replicated tables, operation by
/// operation: which tables it may insert into, which columns it may update and
/// to which values, what it may delete, and which columns must name the node
/// that writes them. Data beside the schema: the hub enforces it on every
/// change a node sends, and a node refuses the same writes locally first, so
/// a stolen device can write only what its role's own decisions need.
///
/// The hub's own writes (imports, admin actions) are not limited by it.
public struct Rights: Sendable {
    /// One role's rights on one table.
    public struct Table: Sendable {
        /// May create rows. A node's insert must create a row: one that
        /// exists (even deleted) may not be inserted again, so an append-only
        /// event is never overwritten and a row the hub owns never replaced.
        public var insert: Bool
        /// The columns an update may set, each with the values it may take.
        /// Updates apply only to rows that exist and are visible.
        public var updates: [String: ValueRule]
        public var delete: Bool
        /// Columns that must hold the writing node's id: set on every insert,
        /// never changed by an update (a log entry's `node`, a sale's
        /// `till`).
        public var originColumns: Set<String>

        public init(
            insert: Bool = false, updates: [String: ValueRule] = [:], delete: Bool = false,
            originColumns: Set<String> = []
        ) {
            self.insert = insert
            self.updates = updates
            self.delete = delete
            self.originColumns = originColumns
        }
    }

    /// The values an update may give a column.
    public enum ValueRule: Sendable {
        case any
        /// Text values moving along these edges only: from the current value
        /// (nil: unset) to one of the listed ones.
        case transitions([String?: Set<String>])
    }

    public var roles: [Role: [String: Table]]

    public init(_ roles: [Role: [String: Table]]) {
        self.roles = roles
    }

    /// Why a node of `role` may never make `change`, whatever the row's
    /// state: a table, an operation, a column or a value beyond the role, or
    /// an origin column naming another node. An honest node never sends
    /// such a change (it refuses the write locally), so the hub refuses the
    /// whole message. Names only, never values, so the answer is safe to log.
    public func refusal(of change: Change, by role: Role) -> String? {
        guard let rights = roles[role]?[change.table] else {
            return "role \(role.rawValue) may not write \(change.table)"
        }
        switch change.op {
        case .insert:
            guard rights.insert else { return "role \(role.rawValue) may not insert into \(change.table)" }
            for column in rights.originColumns.sorted() where change.columns[column] != .text(change.id.origin) {
                return "column \(change.table).\(column) must name the writing node"
            }
        case .update:
            for (column, value) in change.columns.sorted(by: { $0.key < $1.key }) {
                guard let rule = rights.updates[column], !rights.originColumns.contains(column) else {
                    return "role \(role.rawValue) may not update \(change.table).\(column)"
                }
                if case .transitions(let edges) = rule,
                    !edges.values.contains(where: { value.textValue.map($0.contains) == true })
                {
                    return "role \(role.rawValue) may not set \(change.table).\(column) to that value"
                }
            }
        case .delete:
            guard rights.delete else { return "role \(role.rawValue) may not delete from \(change.table)" }
        }
        return nil
    }

    /// Why `change`, which the role may make in general, may not apply to the
    /// row as it stands (`current`, nil when never seen): an insert over an
    /// existing row, an update of a row never inserted, a move from the
    /// current value the role may not make (a device closing an order the
    /// hub has cancelled meanwhile). Such a change can be an
    /// honest race with the hub, so the hub takes it without applying it and
    /// records a conflict (`HubEngine`), instead of refusing the message.
    public func conflict(of change: Change, by role: Role, current: RowState?) -> String? {
        guard let rights = roles[role]?[change.table] else { return nil }
        switch change.op {
        case .insert:
            if current?.inserted == true || current?.isTombstone == true {
                return "\(change.table)/\(change.key) exists: a node may only insert new rows"
            }
        case .update:
            guard let current, current.inserted else {
                return "\(change.table)/\(change.key) was never inserted"
            }
            // An update of a deleted row changes nothing (the tombstone absorbs it).
            guard !current.isTombstone else { return nil }
            for (column, value) in change.columns.sorted(by: { $0.key < $1.key }) {
                guard case .transitions(let edges)? = rights.updates[column] else { continue }
                let from = current.cells[column]?.value.textValue
                if let to = value.textValue, edges[from]?.contains(to) != true {
                    return "\(change.table).\(column) may not move from its current value to that one"
                }
            }
        case .delete:
            break
        }
        return nil
    }
}

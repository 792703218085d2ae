public import MallDomain
public import SyncCore

extension HubCoordinator {
    /// Creates or changes a staff member in a mall; the row reaches every
    /// node of the mall, which lets them log in there, offline too.
    /// - Parameter pinHash: `PINHash.make` output, or nil to keep the current PIN.
    public func setStaff(
        mall: String, id: String, name: String, roles: [StaffRole], pinHash: String?, active: Bool, actor: String
    ) async throws {
        guard malls.contains(mall) else { throw AdminError(.invalid, "mall \(mall) has no node in this hub's fleet") }
        let existing = try engine.store.row(RowRef(table: "staff", key: id))?.state.isVisible == true
        guard existing || pinHash != nil else { throw AdminError(.invalid, "a new staff member needs a PIN") }
        var columns: [String: Value] = [
            "name": .text(name), "roles": .text(roles.map(\.rawValue).sorted().joined(separator: ",")),
            "active": .int(active ? 1 : 0),
        ]
        if let pinHash { columns["pin_hash"] = .text(pinHash) }
        let now = Int64(clock.now())
        try await write(
            [
                existing ? .update("staff", id, columns) : .insert("staff", id, columns),
                auditEntry(
                    actor: actor, action: existing ? "staff.update" : "staff.create", target: id,
                    outcome: "roles \(columns["roles"]!.textValue!), \(active ? "active" : "inactive")", at: now),
            ], mall: mall, decision: "staff.set")
    }
}

/// A staff member as the admin API lists them: never their PIN hash.
public struct StaffEntry: Codable, Sendable {
    public var id: String
    public var mall: String
    public var name: String
    public var roles: [String]
    public var active: Bool
    /// What their roles let them do, for the operator checking an account.
    public var permissions: [String]
}

extension HubCoordinator {
    /// Every staff member (of one mall, if given), by id.
    public func staffList(mall: String?) throws -> [StaffEntry] {
        try engine.store.rows(ofTable: "staff").compactMap { row in
            guard row.state.isVisible, mall == nil || row.channel.mall == mall else { return nil }
            let values = row.state.values
            let roles = (values["roles"]?.textValue ?? "").split(separator: ",").map(String.init)
            let permissions = Set(roles.compactMap(StaffRole.init(rawValue:)).flatMap(\.permissions))
            return StaffEntry(
                id: row.ref.key, mall: row.channel.mall, name: values["name"]?.textValue ?? "", roles: roles,
                active: values["active"]?.intValue != 0, permissions: permissions.map(\.rawValue).sorted())
        }
    }
}

extension HubCoordinator {
    /// The admin API's raw writes: checked against the schema (all or
    /// nothing), committed with an audit entry, fanned out.
    public func writeAudited(_ writes: [LocalWrite], mall: String, decision: String, actor: String) async throws {
        guard malls.contains(mall) else { throw AdminError(.invalid, "mall \(mall) has no node in this hub's fleet") }
        guard !writes.contains(where: { $0.table == "audit_log" || $0.table == ConflictLedger.tableName }) else {
            throw AdminError(.invalid, "audit_log and conflicts are written by the hub itself")
        }
        if let problem = try unusableRow(after: writes) { throw AdminError(.invalid, problem) }
        let now = Int64(clock.now())
        try await write(
            writes + [
                auditEntry(
                    actor: actor, action: decision, target: "\(writes.count) rows", outcome: "committed", at: now)
            ], mall: mall, decision: decision)
    }
}

extension HubCoordinator {
    /// Why one of `writes` would leave a row that the nodes' decisions cannot
    /// use (a booking whose plate no camera read can match, a status no rule
    /// knows, a gift key that is not a key), or nil. Such a row is refused
    /// where it enters, at the hub, instead of being skipped at every node.
    func unusableRow(after writes: [LocalWrite]) throws -> String? {
        var pending: [RowRef: [String: Value]] = [:]
        for write in writes where DecisionBooks.columns[write.table] != nil && write.op != .delete {
            let ref = RowRef(table: write.table, key: write.key)
            var values = try pending[ref] ?? engine.store.row(ref)?.state.values ?? [:]
            values.merge(write.columns) { $1 }
            pending[ref] = values
        }
        for (ref, values) in pending.sorted(by: { $0.key < $1.key }) {
            var probe = DecisionBooks()
            do {
                try probe.apply(ref, values: values)
            } catch {
                return "\(ref.table)/\(ref.key) would be unusable for the nodes' decisions: \(error)"
            }
        }
        return nil
    }
}

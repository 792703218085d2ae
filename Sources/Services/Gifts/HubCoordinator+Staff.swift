public import EdgeRules
import SyncCore

extension HubCoordinator {
    /// Creates or changes a staff member in a mall; the row reaches every
    /// node of the mall, which lets them log in there, offline too.
    /// - Parameter pinHash: `PINHash.make` output, or nil to keep the current PIN.
    public func setStaff(
        mall: String, id: String, name: String, roles: [StaffRole], pinHash: String?, active: Bool, actor: String
    ) throws {
        guard malls.contains(mall) else { throw AdminError(.invalid, "mall \(mall) has no node in this hub's fleet") }
        let existing = try engine.store.row(RowRef(table: "staff", key: id))?.state.isVisible == true
        guard existing || pinHash != nil else { throw AdminError(.invalid, "a new staff member needs a PIN") }
        var columns: [String: Value] = [
            "name": .text(name), "roles": .text(roles.map(\.rawValue).sorted().joined(separator: ",")),
            "active": .int(active ? 1 : 0),
        ]
        if let pinHash { columns["pin_hash"] = .text(pinHash) }
        let now = Int64(clock.now())
        try write(
            [
                existing ? .update("staff", id, columns) : .insert("staff", id, columns),
                hubAudit(
                    actor: actor, action: existing ? "staff.update" : "staff.create", target: id,
                    outcome: "roles \(columns["roles"]!.textValue!), \(active ? "active" : "inactive")", at: now),
            ], mall: mall, decision: "staff.set")
    }
}

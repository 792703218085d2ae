import MallDomain
public import Storage
import SyncCore

extension AuditTrailSources {
    /// The mall's audit entries: `audit_log` rows, and a `gate.read` entry
    /// for each passage a gate decided on a camera read, which
    /// `decideGate` records in the passage alone.
    ///
    /// A staff override's passage makes none: its `gate.override` row
    /// names the staff member. Nor does the `gate.read` row a gate wrote
    /// beside each passage before its passage stood for it (its target is
    /// the passage's key): counting both would list those reads twice. A
    /// `gate.read` refused to a caller without the permission stays an
    /// entry (its target is empty, its outcome `permission denied`).
    public static let mall = AuditTrailSources(tables: [AuditEntry.table, GatePassageRecord.table]) {
        ref, state, made in
        guard ref.table == AuditEntry.table else { return AuditEntry(gateRead: ref.key, state, made: made) }
        let entry = AuditEntry(key: ref.key, values: state.values, made: made)
        return entry.isPassagesCopy ? nil : entry
    }
}

extension AuditEntry {
    /// The action of a camera read decided at a gate (and of one refused
    /// for want of the permission, `NodeAuthentication.require`).
    static let gateRead = Permission.gateRead.rawValue
    /// A `gate.read` row written beside its passage, by a gate of before
    /// the passage stood for it.
    var isPassagesCopy: Bool { action == Self.gateRead && target.hasPrefix(GatePassageRecord.keyPrefix) }

    /// The entry a passage stands for, nil for a staff override. Its gate
    /// is the origin of the passage's insert (its oldest stamp), which the
    /// hub checked against the node that sent it; not its key, which a
    /// stolen gate could make name another.
    init?(gateRead key: String, _ state: RowState, made: Int64) {
        let values = state.values
        guard values["rule"] != .text(GatePassageRecord.overrideRule), let verdict = values["decision"]?.textValue,
            let gate = state.cells.values.map(\.stamp).min()?.id.origin
        else { return nil }
        self.init(
            key: key, actor: "device:\(gate)", action: Self.gateRead, target: key,
            outcome: "\(verdict): \(values["reason"]?.textValue ?? "")", node: gate,
            at: values["at"]?.intValue ?? made)
    }
}

public import SyncCore

extension Rights {
    /// MallEdge's rights: each device writes what its own decisions record,
    /// and nothing the hub owns (members, codes, keys, staff, conflicts).
    ///
    /// | role | inserts | updates | deletes |
    /// |---|---|---|---|
    /// | gate | gate_passages, staff_lockouts and audit_log (`node` = itself) | reservations.status: booked, inside, left or no-show → inside or left | nothing |
    /// | lounge | lounge_visits, staff_lockouts and audit_log (`node` = itself) | lounge_visits: status open or closed → closed, checked_out_at, closed_by | lounge_visits |
    /// | gift | gift_redemptions (`counter` = itself), staff_lockouts and audit_log (`node` = itself) | nothing | nothing |
    ///
    /// A gate never books or cancels (a cancelled booking stays cancelled);
    /// revoking a gift code is the hub's action.
    public static let mall = Rights([
        .gate: [
            "gate_passages": Table(insert: true),
            "reservations": Table(
                updates: [
                    "status": .transitions(
                        Dictionary(
                            uniqueKeysWithValues: ["booked", "inside", "left", "no-show"].map {
                                ($0, ["inside", "left"])
                            }))
                ]),
            "audit_log": ownRow, "staff_lockouts": ownRow,
        ],
        .lounge: [
            "lounge_visits": Table(
                insert: true,
                updates: [
                    // Closed twice when two desks both close one visit offline.
                    "status": .transitions(["open": ["closed"], "closed": ["closed"]]), "checked_out_at": .any,
                    "closed_by": .any,
                ],
                delete: true),
            "audit_log": ownRow, "staff_lockouts": ownRow,
        ],
        .gift: [
            "gift_redemptions": Table(insert: true, originColumns: ["counter"]),
            "audit_log": ownRow, "staff_lockouts": ownRow,
        ],
    ])

    /// An insert of a row naming the writing node: an audit entry, a login lock.
    private static let ownRow = Table(insert: true, originColumns: ["node"])
}

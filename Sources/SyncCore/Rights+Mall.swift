extension Rights {
    /// MallEdge's rights: each device writes what its own decisions record,
    /// and nothing the hub owns (members, codes, keys, staff, conflicts).
    ///
    /// | role | inserts | updates | deletes |
    /// |---|---|---|---|
    /// | gate | gate_passages, audit_log (`node` = itself) | reservations.status: booked, inside, left or no-show → inside or left | nothing |
    /// | lounge | lounge_visits, audit_log (`node` = itself) | lounge_visits: status open or closed → closed, checked_out_at, closed_by | lounge_visits |
    /// | gift | gift_redemptions (`counter` = itself), audit_log (`node` = itself) | nothing | nothing |
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
            "audit_log": audit,
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
            "audit_log": audit,
        ],
        .gift: [
            "gift_redemptions": Table(insert: true, originColumns: ["counter"]),
            "audit_log": audit,
        ],
    ])

    private static let audit = Table(insert: true, originColumns: ["node"])
}

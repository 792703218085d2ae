import SyncCore

extension SyncSchema {
    /// The lounge desk's tables: visits, members barred from the lounge, and
    /// the times the lounge is closed.
    static let loungeTables: [Table] = [
        Table(
            name: "lounge_visits", kind: .mutable,
            columns: [
                "member_id": .text, "guests": .int(SyncSchema.guestRange), "status": .text, "checked_in_at": .time,
                "checked_out_at": .time,
                "closed_by": .text,
            ],
            channelKinds: [.lounge], retirement: ("checked_in_at", 90 * SyncSchema.day)),
        // A member the mall has barred from the lounge until a time; every
        // desk refuses them, offline too (`LoungeDesk`).
        Table(
            name: "lounge_bans", kind: .mutable,
            columns: ["member_id": .text, "until": .time, "reason": .text],
            channelKinds: [.lounge], retirement: ("until", 30 * SyncSchema.day)),
        // A time the mall closes the lounge (a private event, maintenance);
        // every desk refuses check-ins from `from` until `until`, offline too.
        Table(
            name: "lounge_closures", kind: .mutable,
            columns: ["from": .time, "until": .time, "reason": .text],
            channelKinds: [.lounge], retirement: ("until", 30 * SyncSchema.day)),
    ]
}

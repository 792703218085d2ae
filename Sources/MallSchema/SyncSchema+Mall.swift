public import SyncCore

extension SyncSchema {
    /// How many guests a member may bring: the most any tier allows, and
    /// the most one visit may record.
    public static let guestRange: ClosedRange<Int64> = 0...20

    private static let day: UInt64 = 86_400_000

    /// A gift code's redemptions and revocations matter until it lapses
    /// (`valid_to`, the clock leeway aside); a month later they go.
    private static let codeLapse = Table.Lapse(column: "valid_to", afterMillis: 30 * day, atLeastMillis: 90 * day)

    /// MallEdge's schema: its tables, channels, each device's rights and
    /// the items a member may use once.
    public static let mall = SyncSchema(
        tables: mallTables, channelKinds: [.parking, .members, .gifts, .lounge, .audit, .staff],
        subscriptions: [
            .gate: [.parking, .staff], .lounge: [.members, .lounge, .staff], .gift: [.gifts, .members, .staff],
        ],
        rights: .mall, singleUseRules: SingleUseRule.mall)

    /// MallEdge's tables. Event rows are kept as long as a decision can need
    /// them: a gift redemption and a revocation a month after their code
    /// lapsed (at least three months, and 400 days when the row does not say
    /// when: a code is valid 366 days at most), a passage for three months,
    /// a login lock for two days (it holds 5 minutes), an audit entry a
    /// month (the hub keeps a compact copy two years, its audit trail). The hub retires a
    /// reservation a month after its window, a lounge visit three months
    /// after check-in, a gift code a month after it lapsed, a conflict a year
    /// after it was detected.
    private static let mallTables: [Table] = [
        Table(
            name: "members", kind: .mutable,
            columns: [
                "name": .text, "tier": .text, "phone": .text, "card_no": .text,
                "guests_allowed": .int(SyncSchema.guestRange),
            ],
            channelKinds: [.members]),
        Table(
            name: "vehicles", kind: .mutable,
            columns: ["member_id": .text, "plate": .text],
            channelKinds: [.parking]),
        Table(
            name: "reservations", kind: .mutable,
            columns: [
                "member_id": .text, "plate": .text, "zone": .text, "window_start": .time, "window_end": .time,
                "status": .text,
            ],
            channelKinds: [.parking], retirement: ("window_end", 30 * day)),
        Table(
            name: "gate_passages", kind: .events,
            columns: [
                "reservation_id": .text, "lane": .text, "direction": .text, "plate_raw": .text, "plate": .text,
                "decision": .text, "reason": .text, "rule": .text, "confidence": .int(0...1000),
                "character_confidences": .text, "alternatives": .text, "suggestions": .text, "at": .time,
            ],
            channelKinds: [.parking], retainMillis: 90 * day),
        Table(
            name: "gift_codes", kind: .mutable,
            columns: [
                "member_id": .text, "gift": .text, "valid_from": .time, "valid_to": .time, "key_id": .text,
                "group_wide": .int(0...1),
            ],
            channelKinds: [.gifts], retirement: ("valid_to", 30 * day)),
        Table(
            name: "gift_keys", kind: .mutable,
            columns: ["public_key": .text, "valid_from": .time, "valid_to": .time],
            channelKinds: [.gifts]),
        Table(
            name: "gift_revocations", kind: .events,
            columns: ["code_id": .text, "reason": .text, "at": .time, "valid_to": .time],
            channelKinds: [.gifts], retainMillis: 400 * day, lapse: codeLapse),
        Table(
            name: "gift_redemptions", kind: .events,
            columns: [
                "code_id": .text, "counter": .text, "staff_id": .text, "member_id": .text, "gift": .text, "at": .time,
                "valid_to": .time,
            ],
            channelKinds: [.gifts], retainMillis: 400 * day, lapse: codeLapse),
        Table(
            name: "lounge_visits", kind: .mutable,
            columns: [
                "member_id": .text, "guests": .int(SyncSchema.guestRange), "status": .text, "checked_in_at": .time,
                "checked_out_at": .time,
                "closed_by": .text,
            ],
            channelKinds: [.lounge], retirement: ("checked_in_at", 90 * day)),
        // A member the mall has barred from the lounge until a time; every
        // desk refuses them, offline too (`LoungeDesk`).
        Table(
            name: "lounge_bans", kind: .mutable,
            columns: ["member_id": .text, "until": .time, "reason": .text],
            channelKinds: [.lounge], retirement: ("until", 30 * day)),
        Table(
            name: "staff", kind: .mutable,
            columns: ["name": .text, "roles": .text, "pin_hash": .text, "active": .int(0...1)],
            channelKinds: [.staff], secretColumns: ["pin_hash"]),
        // A login lock one node set, honoured by every node of the mall
        // (`FleetLocks`).
        Table(
            name: "staff_lockouts", kind: .events,
            columns: [
                "staff_id": .text, "node": .text, "until": .time, "failures": .int(0...1_000), "at": .time,
            ],
            channelKinds: [.staff], retainMillis: 2 * day),
        Table(
            name: "audit_log", kind: .events,
            columns: [
                "actor": .text, "action": .text, "target": .text, "outcome": .text, "node": .text, "at": .time,
            ],
            channelKinds: [.audit], retainMillis: 30 * day),
        ConflictLedger.table(on: [.parking, .gifts, .lounge], retireAfterMillis: 365 * day),
    ]
}

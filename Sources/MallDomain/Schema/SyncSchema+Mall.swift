public import SyncCore

extension SyncSchema {
    /// How many guests a member may bring: the most any tier allows, and
    /// the most one visit may record.
    public static let guestRange: ClosedRange<Int64> = 0...20

    static let day: UInt64 = 86_400_000

    /// MallEdge's schema: its tables (each feature's in its own folder),
    /// channels, each device's rights and the items a member may use once.
    ///
    /// Event rows are kept as long as a decision can need them: a gift
    /// redemption and a revocation a month after their code lapsed (at least
    /// three months, and 400 days when the row does not say when: a code is
    /// valid 366 days at most), a passage for three months, a login lock for
    /// two days (it holds 5 minutes), an audit entry a month (the hub keeps a
    /// compact copy two years, its audit trail). The hub retires a
    /// reservation a month after its window, a lounge visit three months
    /// after check-in, a gift code a month after it lapsed, a conflict a year
    /// after it was detected.
    public static let mall = SyncSchema(
        tables: sharedTables + parkingTables + giftTables + loungeTables + staffTables,
        channelKinds: [.parking, .members, .gifts, .lounge, .audit, .staff],
        subscriptions: [
            .gate: [.parking, .staff], .lounge: [.members, .lounge, .staff], .gift: [.gifts, .members, .staff],
        ],
        rights: .mall, singleUseRules: SingleUseRule.mall)

    /// The tables every feature shares: members, the audit log and the
    /// conflict ledger.
    private static let sharedTables: [Table] = [
        Table(
            name: "members", kind: .mutable,
            columns: [
                "name": .text, "tier": .text, "phone": .text, "card_no": .text,
                "guests_allowed": .int(SyncSchema.guestRange),
            ],
            channelKinds: [.members]),
        Table(
            name: "audit_log", kind: .events,
            columns: [
                "actor": .text, "action": .text, "target": .text, "outcome": .text, "node": .text, "at": .time,
            ],
            channelKinds: [.audit], retainMillis: 30 * day),
        ConflictLedger.table(on: [.parking, .gifts, .lounge], retireAfterMillis: 365 * day),
    ]
}

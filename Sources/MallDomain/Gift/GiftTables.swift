import SyncCore

extension SyncSchema {
    /// A gift code's redemptions and revocations matter until it lapses
    /// (`valid_to`, the clock leeway aside); a month later they go.
    static let codeLapse = Table.Lapse(
        column: "valid_to", afterMillis: 30 * SyncSchema.day, atLeastMillis: 90 * SyncSchema.day)

    /// The gift counter's tables: codes, the keys that sign them, revocations and redemptions.
    static let giftTables: [Table] = [
        Table(
            name: "gift_codes", kind: .mutable,
            columns: [
                "member_id": .text, "gift": .text, "valid_from": .time, "valid_to": .time, "key_id": .text,
                "group_wide": .int(0...1),
            ],
            channelKinds: [.gifts], retirement: ("valid_to", 30 * SyncSchema.day)),
        Table(
            name: "gift_keys", kind: .mutable,
            columns: ["public_key": .text, "valid_from": .time, "valid_to": .time],
            channelKinds: [.gifts]),
        Table(
            name: "gift_revocations", kind: .events,
            columns: ["code_id": .text, "reason": .text, "at": .time, "valid_to": .time],
            channelKinds: [.gifts], retainMillis: 400 * SyncSchema.day, lapse: codeLapse),
        Table(
            name: "gift_redemptions", kind: .events,
            columns: [
                "code_id": .text, "counter": .text, "staff_id": .text, "member_id": .text, "gift": .text, "at": .time,
                "valid_to": .time,
            ],
            channelKinds: [.gifts], retainMillis: 400 * SyncSchema.day, lapse: codeLapse),
    ]
}

import SyncCore

extension SyncSchema {
    /// The gate's tables: members' vehicles, reservations and passages at the barrier.
    static let parkingTables: [Table] = [
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
            channelKinds: [.parking], retirement: ("window_end", 30 * SyncSchema.day)),
        Table(
            name: "gate_passages", kind: .events,
            columns: [
                "reservation_id": .text, "lane": .text, "direction": .text, "plate_raw": .text, "plate": .text,
                "decision": .text, "reason": .text, "rule": .text, "confidence": .int(0...1000),
                "character_confidences": .text, "alternatives": .text, "suggestions": .text, "at": .time,
            ],
            channelKinds: [.parking], retainMillis: 90 * SyncSchema.day),
    ]
}

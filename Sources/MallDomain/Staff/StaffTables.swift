import SyncCore

extension SyncSchema {
    /// Staff accounts and the login locks every node of a mall honours.
    static let staffTables: [Table] = [
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
            channelKinds: [.staff], retainMillis: 2 * SyncSchema.day),
    ]
}

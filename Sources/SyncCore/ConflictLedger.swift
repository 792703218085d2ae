/// The table the hub records what cannot merge in (SPEC §11): single-use
/// conflicts and changes taken but not applied. The core writes its rows,
/// so it defines its columns; a schema includes it on the channel kinds
/// whose conflicts their nodes should see, and the hub records a conflict
/// only on a channel that carries the ledger.
public enum ConflictLedger {
    public static let tableName = "conflicts"

    /// The ledger table on `channelKinds`, retired `retireAfterMillis` after
    /// a conflict was detected.
    public static func table(on channelKinds: Set<Channel.Kind>, retireAfterMillis: UInt64) -> SyncSchema.Table {
        SyncSchema.Table(
            name: tableName, kind: .mutable,
            columns: [
                "kind": .text, "item": .text, "rule": .text, "winner": .text, "sides": .text, "status": .text,
                "detected_at": .time, "claims": .int(0...1_000_000), "resolution": .text, "resolved_by": .text,
                "resolved_at": .time, "note": .text,
            ],
            channelKinds: channelKinds, retirement: ("detected_at", retireAfterMillis))
    }
}

extension SyncSchema {
    /// Whether the hub records conflicts on channels of `kind`.
    public func recordsConflicts(on kind: Channel.Kind) -> Bool {
        tables[ConflictLedger.tableName]?.channelKinds.contains(kind) == true
    }
}

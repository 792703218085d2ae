import SyncCore

extension ReplicaStore {
    /// Stages `rows` as the one and only window of a snapshot at `at` and
    /// installs it: what a node does with a snapshot that fits one window.
    func installSnapshot(channel: Channel, rows: [SnapshotRow], at: UInt64) throws {
        let progress = SnapshotProgress(
            snapshotID: "s-\(at)", at: at, through: rows.last?.ref, held: UInt64(rows.count),
            chain: SnapshotChain.next(after: "", rows: rows, version: .canonical))
        try stageSnapshot(channel: channel, rows: rows, progress: progress, startsOver: true, installs: true)
    }
}

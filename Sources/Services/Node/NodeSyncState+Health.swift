import SyncCore

extension NodeSyncState {
    /// The body of `GET /v1/health`: `ok` on the first line while the
    /// process serves (what probes read), then one line per channel whose
    /// snapshot is half-staged, so that whoever looks after a new gate sees
    /// how far its bootstrap has come without reading `/v1/sync`.
    public var healthText: String {
        Self.healthText(snapshots: cursors.map { ($0.channel, $0.snapshot) })
    }

    /// The same from each channel's snapshot under way, if any.
    static func healthText(snapshots: [(channel: String, snapshot: SnapshotState?)]) -> String {
        var lines = ["ok"]
        for (channel, snapshot) in snapshots {
            guard let snapshot else { continue }
            var line = "taking a snapshot of \(channel): \(snapshot.held)"
            if let total = snapshot.total, total > 0 {
                line += " of \(total) rows (\(min(snapshot.held, total) * 100 / total)%)"
            } else {
                line += " rows"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension NodeSyncState.SnapshotState {
    init(_ progress: SnapshotProgress) {
        self.init(snapshotID: progress.snapshotID, at: progress.at, held: progress.held, total: progress.total)
    }
}

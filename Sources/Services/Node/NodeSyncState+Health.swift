extension NodeSyncState {
    /// The body of `GET /v1/health`: `ok` on the first line while the
    /// process serves (what probes read), then one line per channel whose
    /// snapshot is half-staged, so that whoever looks after a new gate sees
    /// how far its bootstrap has come without reading `/v1/sync`.
    public var healthText: String {
        var lines = ["ok"]
        for cursor in cursors {
            guard let snapshot = cursor.snapshot else { continue }
            var line = "taking a snapshot of \(cursor.channel): \(snapshot.held)"
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

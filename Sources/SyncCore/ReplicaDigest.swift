/// A canonical hash of the visible contents of a set of rows: equal replicas
/// give equal digests, whatever order the rows were merged in.
///
/// Only what a user can see counts (visible rows, their values); merge
/// metadata such as stamps and tombstones does not.
public enum ReplicaDigest {
    /// How close to its end an event row stops counting: a day, far more
    /// than any clock the hub's stamp bounds let through.
    public static let expiryMarginMillis: UInt64 = 86_400_000

    /// With `now`, event rows past their table's retention, or within
    /// `expiryMarginMillis` of it, are left out: replicas drop them at their
    /// own pace and by their own clocks (SPEC §12.1), so a node whose clock
    /// runs hours ahead has dropped a row the hub still holds.
    public static func of(_ rows: [SnapshotRow], now: UInt64? = nil) -> String {
        var text = ""
        let cutoff = now.map { $0 > .max - expiryMarginMillis ? .max : $0 + expiryMarginMillis }
        let kept = rows.filter { row in
            guard row.state.isVisible else { return false }
            guard let cutoff, let table = Schema.mall.tables[row.table] else { return true }
            return !table.hasExpired(row.state, now: cutoff)
        }
        for row in kept.sorted(by: { $0.ref < $1.ref }) {
            text += "\(row.table)\u{1F}\(row.key)"
            for (name, cell) in row.state.cells.sorted(by: { $0.key < $1.key }) {
                text += "\u{1E}\(name)=\(cell.value)"
            }
            text += "\u{1D}"
        }
        return Digest64.fullHex(of: Array(text.utf8))
    }
}

/// How far a node's cursors still hold when the hub's log history changes
/// (§9.6). A hub put back from a backup numbers new changes from the
/// backup's position on, so entries a node applied past that position are
/// no longer the hub's entries of those numbers.
public enum LogHistory {
    /// The hub sequence up to which entries applied under history `id` are
    /// also entries of the current history in `marks`: nil when `id` is the
    /// current one (or `marks` says nothing), 0 when `id` is not listed (the
    /// node was away across more restores than a status lists).
    public static func validThrough(appliedUnder id: String, marks: [HistoryMark]) -> UInt64? {
        guard let current = marks.last, current.id != id else { return nil }
        guard let index = marks.lastIndex(where: { $0.id == id }) else { return 0 }
        return marks[(index + 1)...].map(\.from).min() ?? 0
    }
}

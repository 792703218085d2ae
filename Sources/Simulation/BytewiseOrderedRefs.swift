import SyncCore

/// A channel's row references kept in snapshot order (`RowRef.precedesBytewise`),
/// as the SQLite store's primary key keeps them: a snapshot window is a
/// binary search and a slice, not a sort of every row the channel holds
/// (which made a simulated year's windows quadratic in the rows held).
struct BytewiseOrderedRefs {
    private(set) var refs: [RowRef] = []

    /// Adds `ref` in its place, once.
    mutating func insert(_ ref: RowRef) {
        let index = firstIndex(notBefore: ref)
        if index < refs.count && refs[index] == ref { return }
        refs.insert(ref, at: index)
    }

    mutating func remove(_ ref: RowRef) {
        let index = firstIndex(notBefore: ref)
        if index < refs.count && refs[index] == ref { refs.remove(at: index) }
    }

    /// At most `limit` references after `after` (from the first when nil).
    func refs(after: RowRef?, limit: Int) -> ArraySlice<RowRef> {
        var start = 0
        if let after {
            start = firstIndex(notBefore: after)
            if start < refs.count && refs[start] == after { start += 1 }
        }
        return refs[start..<start + min(max(0, limit), refs.count - start)]
    }

    /// The index of the first reference that `ref` does not come after.
    private func firstIndex(notBefore ref: RowRef) -> Int {
        var (low, high) = (0, refs.count)
        while low < high {
            let middle = (low + high) / 2
            if refs[middle].precedesBytewise(ref) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

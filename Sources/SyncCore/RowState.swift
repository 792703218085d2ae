/// The merge state of one replicated row: a state-based CRDT.
///
/// Each column is a last-writer-wins register ordered by `Stamp`; the row
/// becomes visible once an insert is known and disappears for good once a
/// delete is known (the tombstone absorbs everything after it). Every field
/// merges by a join, so applying changes in any order, any number of times,
/// gives the same state.
public struct RowState: Hashable, Sendable, Codable {
    public struct Cell: Hashable, Sendable, Codable {
        public var value: Value
        public var stamp: Stamp

        public init(value: Value, stamp: Stamp) {
            self.value = value
            self.stamp = stamp
        }
    }

    public var inserted: Bool
    /// The latest delete seen. Once set, the row is a tombstone.
    public var deleted: Stamp?
    public var cells: [String: Cell]

    public init(inserted: Bool = false, deleted: Stamp? = nil, cells: [String: Cell] = [:]) {
        self.inserted = inserted
        self.deleted = deleted
        self.cells = cells
    }

    public var isVisible: Bool { inserted && deleted == nil }
    /// The wall time of the newest stamp in the row: when an event row was made.
    public var newestWall: UInt64? { cells.values.map(\.stamp.hlc.wallMillis).max() }
    public var isTombstone: Bool { deleted != nil }

    /// The visible column values (empty for a row that is not visible).
    public var values: [String: Value] {
        guard isVisible else { return [:] }
        return cells.mapValues(\.value)
    }

    /// Folds one change in. Returns whether anything changed, as it goes:
    /// comparing the whole state with a copy afterwards hashed every cell's
    /// name again, and with the look-up and the store of each cell it was a
    /// tenth of a catch-up's merging.
    @discardableResult
    public mutating func apply(_ change: Change) -> Bool {
        let stamp = change.stamp
        switch change.op {
        case .delete:
            let latest = max(deleted ?? stamp, stamp)
            let changed = latest != deleted || !cells.isEmpty
            deleted = latest
            cells = [:]
            return changed
        case .insert, .update:
            var changed = change.op == .insert && !inserted
            if change.op == .insert { inserted = true }
            guard deleted == nil else { return changed }
            // A new row (every row of a catch-up or a snapshot's insert):
            // the change's columns keep their dictionary's hashing as they are.
            if cells.isEmpty {
                cells = change.columns.mapValues { Cell(value: $0, stamp: stamp) }
                return changed || !cells.isEmpty
            }
            for (name, value) in change.columns {
                if let index = cells.index(forKey: name) {
                    guard cells.values[index].stamp < stamp else { continue }
                    cells.values[index] = Cell(value: value, stamp: stamp)
                } else {
                    cells[name] = Cell(value: value, stamp: stamp)
                }
                changed = true
            }
            return changed
        }
    }

    /// The join of two states of the same row.
    public func merged(with other: RowState) -> RowState {
        var result = RowState(inserted: inserted || other.inserted)
        switch (deleted, other.deleted) {
        case (let a?, let b?): result.deleted = max(a, b)
        case (let a?, nil), (nil, let a?): result.deleted = a
        case (nil, nil): result.deleted = nil
        }
        guard result.deleted == nil else { return result }
        result.cells = cells
        for (name, cell) in other.cells {
            if let mine = result.cells[name], mine.stamp >= cell.stamp { continue }
            result.cells[name] = cell
        }
        return result
    }
}

public import SyncCore

/// A book a node's decisions read, fed the replicated rows of the tables it
/// follows. Each feature's book says in its own folder which tables and
/// columns it reads and how a row maps into it, so a feature's new table
/// and rule stay in that folder (`DecisionBooks` only routes rows).
public protocol RowFedBook: Sendable {
    /// The tables it follows, and the columns it reads of each.
    static var columns: [String: [String]] { get }

    init()

    /// Takes in the row's current values (`values` empty: the row is gone,
    /// deleted or never visible).
    /// - Throws: `RowProblem` for a row a decision cannot use; the row is
    ///   out of the book by then.
    mutating func apply(_ ref: RowRef, values: [String: Value]) throws(RowProblem)

    /// Takes the row out of the book.
    mutating func remove(_ ref: RowRef)

    /// Forgets what came from `tables`, before they are loaded again from a
    /// new snapshot.
    mutating func reset(tables: Set<String>)
}

extension RowFedBook {
    public mutating func reset(tables: Set<String>) {
        if !tables.isDisjoint(with: Self.columns.keys) { self = Self() }
    }
}

public import SyncCore

/// The gate's book is fed the `reservations` rows.
extension ReservationBook: RowFedBook {
    public static let columns = [Reservation.table: Reservation.columns]

    /// A row that no longer parses takes its reservation out of the book.
    public mutating func apply(_ ref: RowRef, values: [String: Value]) throws(RowProblem) {
        guard ref.table == Reservation.table else { return }
        guard !values.isEmpty else { return remove(id: ref.key) }
        try apply(ref, read: Reservation.parse(key: ref.key, values: values))
    }

    /// Takes in a row already read (`Reservation.parse`).
    mutating func apply(_ ref: RowRef, read: Result<Reservation, RowProblem>) throws(RowProblem) {
        switch read {
        case .success(let reservation):
            upsert(reservation)
        case .failure(let problem):
            remove(id: ref.key)
            throw problem
        }
    }

    public mutating func remove(_ ref: RowRef) {
        if ref.table == Reservation.table { remove(id: ref.key) }
    }
}

public import SyncCore

/// The gate's book is fed the `reservations` rows.
extension ReservationBook: RowFedBook {
    public static let columns = [Reservation.table: Reservation.columns]

    public mutating func apply(_ ref: RowRef, values: [String: Value]) throws(RowProblem) {
        guard ref.table == Reservation.table else { return }
        remove(id: ref.key)
        if !values.isEmpty { upsert(try Reservation.parse(key: ref.key, values: values).get()) }
    }

    public mutating func remove(_ ref: RowRef) {
        if ref.table == Reservation.table { remove(id: ref.key) }
    }
}

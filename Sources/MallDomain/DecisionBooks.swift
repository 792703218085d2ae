import Foundation
public import SyncCore

/// The books a node's decisions read (bookings, gift keys and uses, lounge
/// visits and cards), built from replicated rows. Pure: the node's
/// `DecisionViews` feeds it the rows its replica holds, and `mall-fuzz views`
/// feeds it any row a stolen device could get replicated, so that mapping a
/// row can refuse it but never trap.
public struct DecisionBooks: Sendable {
    public private(set) var reservations = ReservationBook()
    public private(set) var gifts = GiftBook()
    public private(set) var lounge = LoungeBook()

    /// The tables the books follow, and the columns each reads.
    public static let columns = ReservationBook.columns.merging(GiftBook.columns) { $1 }.merging(LoungeBook.columns) {
        $1
    }

    public init() {}

    /// Empties what `tables` fed, before they are loaded again from a new
    /// snapshot.
    public mutating func reset(tables: Set<String>) {
        reservations.reset(tables: tables)
        gifts.reset(tables: tables)
        lounge.reset(tables: tables)
    }

    /// Room for `rows` rows of `table`, before they are loaded.
    public mutating func reserveCapacity(_ rows: Int, of table: String) {
        if ReservationBook.columns[table] != nil { reservations.reserveCapacity(rows) }
    }

    /// Takes in the row's current values (`values` empty: the row is gone,
    /// deleted or never visible), in the book that follows its table. A row
    /// a decision cannot use is taken out of the books and refused with why.
    public mutating func apply(_ ref: RowRef, values: [String: Value]) throws(RowProblem) {
        try apply(Self.prepare(ref, values: values))
    }

    /// A row checked and read as far as that needs no book: the schema's
    /// check of its values and, for a reservation, its parse (the plate
    /// normalised). A view that loads a million rows prepares them on the
    /// thread that reads them, and the books' own thread only files them:
    /// the two halves of a load then cost about the same.
    public struct PreparedRow: Sendable {
        public let ref: RowRef
        let values: [String: Value]
        /// The first column, by name, whose value the schema does not allow.
        let invalidColumn: String?
        /// A `reservations` row with values, read.
        let reservation: Result<Reservation, RowProblem>?
    }

    public static func prepare(_ ref: RowRef, values: [String: Value]) -> PreparedRow {
        // A value the schema does not allow (a time of Int64.min written
        // before the hub checked ranges, or by a node that does not) makes
        // the whole row unusable: rules do arithmetic on these values.
        var invalidColumn: String?
        if let table = SyncSchema.mall.tables[ref.table],
            values.contains(where: { table.violation(column: $0.key, value: $0.value) != nil })
        {
            // The first such column by name, whatever the dictionary's order.
            invalidColumn = values.keys.sorted().first { table.violation(column: $0, value: values[$0]!) != nil }
        }
        let parsesReservation = invalidColumn == nil && ref.table == Reservation.table && !values.isEmpty
        return PreparedRow(
            ref: ref, values: values, invalidColumn: invalidColumn,
            reservation: parsesReservation ? Reservation.parse(key: ref.key, values: values) : nil)
    }

    /// Takes in a prepared row, as `apply(_:values:)` takes in its values.
    public mutating func apply(_ row: PreparedRow) throws(RowProblem) {
        let ref = row.ref
        if let column = row.invalidColumn {
            remove(ref)
            throw .invalid(column)
        }
        if let reservation = row.reservation {
            try reservations.apply(ref, read: reservation)
        } else if ReservationBook.columns[ref.table] != nil {
            try reservations.apply(ref, values: row.values)
        }
        if GiftBook.columns[ref.table] != nil { try gifts.apply(ref, values: row.values) }
        if LoungeBook.columns[ref.table] != nil { try lounge.apply(ref, values: row.values) }
    }

    /// Takes a row out of whichever book holds it.
    private mutating func remove(_ ref: RowRef) {
        reservations.remove(ref)
        gifts.remove(ref)
        lounge.remove(ref)
    }
}

/// Why a row cannot be used by a decision, without its values.
public enum RowProblem: Error, CustomStringConvertible {
    case missing(String)
    case invalid(String)
    case plate(PlateError)

    public var description: String {
        switch self {
        case .missing(let column): "column \(column) is missing"
        case .invalid(let column): "column \(column) is not valid"
        case .plate(let error): "plate: \(error)"
        }
    }
}

/// Every reservation a gate knows, indexed for the decision: by id, by
/// plate, and the plates of live reservations in a `PlateIndex` for the
/// matcher. A value with no I/O; the node keeps it in step with its replica.
public struct ReservationBook: Sendable {
    public private(set) var byID: [String: Reservation] = [:]
    private var idsByPlate: [SpelledPlate: [String]] = [:]
    /// Plates with at least one booked or inside reservation.
    public private(set) var livePlates = PlateIndex()

    public init() {}

    public init(_ reservations: some Sequence<Reservation>) {
        for reservation in reservations { upsert(reservation) }
    }

    public var count: Int { byID.count }

    /// Room for `reservations` more, before a book is loaded from its rows.
    public mutating func reserveCapacity(_ reservations: Int) {
        byID.reserveCapacity(byID.count + reservations)
        idsByPlate.reserveCapacity(idsByPlate.count + reservations)
        livePlates.reserveCapacity(livePlates.count + reservations)
    }

    /// Every reservation on `plate` (as the normaliser spells it), in window order.
    public func reservations(plate: String) -> [Reservation] {
        (idsByPlate[SpelledPlate(plate)] ?? []).compactMap { byID[$0] }.sorted {
            ($0.windowStart, $0.id) < ($1.windowStart, $1.id)
        }
    }

    /// A plate's liveness is looked at again only when this reservation's
    /// own can change it: filing a plate in the fuzzy index, or taking it
    /// out, is most of the cost of a row a node applies. The plate is taken
    /// as the normaliser spells it (`Reservation.plate`, as rows are read):
    /// the book compares plates by their bytes.
    public mutating func upsert(_ reservation: Reservation) {
        let previous = byID.updateValue(reservation, forKey: reservation.id)
        let samePlate = previous.map { SpelledPlate($0.plate) == SpelledPlate(reservation.plate) } ?? false
        if let previous, !samePlate {
            forget(reservation.id, on: previous.plate)
            if previous.status.isLive { refreshLiveness(of: previous.plate) }
        }
        if !samePlate { idsByPlate[SpelledPlate(reservation.plate), default: []].append(reservation.id) }
        if reservation.status.isLive {
            livePlates.insert(reservation.plate)
        } else if samePlate, previous?.status.isLive == true {
            refreshLiveness(of: reservation.plate)
        }
    }

    public mutating func remove(id: String) {
        guard let previous = byID.removeValue(forKey: id) else { return }
        forget(id, on: previous.plate)
        if previous.status.isLive { refreshLiveness(of: previous.plate) }
    }

    private mutating func forget(_ id: String, on plate: String) {
        let key = SpelledPlate(plate)
        idsByPlate[key]?.removeAll { $0 == id }
        if idsByPlate[key]?.isEmpty == true { idsByPlate[key] = nil }
    }

    private mutating func refreshLiveness(of plate: String) {
        let live = (idsByPlate[SpelledPlate(plate)] ?? []).contains { byID[$0]?.status.isLive == true }
        if live { livePlates.insert(plate) } else { livePlates.remove(plate) }
    }
}

/// A plate as the normaliser spells it, hashed and compared on its UTF-8
/// bytes: a `String` key holding a Hanzi goes through NFC normalisation at
/// every hash (a tenth of a gate's book upkeep in a catch-up), and a
/// normalised plate has one spelling, so its bytes say all.
private struct SpelledPlate: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.text.utf8.elementsEqual(rhs.text.utf8) }
}

/// Every reservation a gate knows, indexed for the decision: by id, by
/// plate, and the plates of live reservations in a `PlateIndex` for the
/// matcher. A value with no I/O; the node keeps it in step with its replica.
public struct ReservationBook: Sendable {
    public private(set) var byID: [String: Reservation] = [:]
    private var idsByPlate: [String: [String]] = [:]
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

    /// Every reservation on `plate`, in window order.
    public func reservations(plate: String) -> [Reservation] {
        (idsByPlate[plate] ?? []).compactMap { byID[$0] }.sorted {
            ($0.windowStart, $0.id) < ($1.windowStart, $1.id)
        }
    }

    /// A plate's liveness is looked at again only when this reservation's
    /// own can change it: filing a plate in the fuzzy index, or taking it
    /// out, is most of the cost of a row a node applies.
    public mutating func upsert(_ reservation: Reservation) {
        let previous = byID.updateValue(reservation, forKey: reservation.id)
        let samePlate = previous?.plate == reservation.plate
        if let previous, !samePlate {
            idsByPlate[previous.plate]?.removeAll { $0 == reservation.id }
            if idsByPlate[previous.plate]?.isEmpty == true { idsByPlate[previous.plate] = nil }
            if previous.status.isLive { refreshLiveness(of: previous.plate) }
        }
        if !samePlate { idsByPlate[reservation.plate, default: []].append(reservation.id) }
        if reservation.status.isLive {
            livePlates.insert(reservation.plate)
        } else if samePlate, previous?.status.isLive == true {
            refreshLiveness(of: reservation.plate)
        }
    }

    public mutating func remove(id: String) {
        guard let previous = byID.removeValue(forKey: id) else { return }
        idsByPlate[previous.plate]?.removeAll { $0 == id }
        if idsByPlate[previous.plate]?.isEmpty == true { idsByPlate[previous.plate] = nil }
        if previous.status.isLive { refreshLiveness(of: previous.plate) }
    }

    private mutating func refreshLiveness(of plate: String) {
        let live = (idsByPlate[plate] ?? []).contains { byID[$0]?.status.isLive == true }
        if live { livePlates.insert(plate) } else { livePlates.remove(plate) }
    }
}

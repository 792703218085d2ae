import EdgeRules
import Logging
import Storage
import SyncCore

/// The in-memory views a node's decisions read, kept in step with its
/// replica: loaded at start, refreshed row by row after every committed
/// change and reloaded after a snapshot. The replica stays the truth; the
/// views exist because a gate must match a plate against every reservation
/// (fuzzy, one edit away) in microseconds, which no SQL index answers.
final class DecisionViews: ReplicaObserver {
    private(set) var reservations = ReservationBook()
    /// Reservation rows left out because their plate or status is not valid.
    private(set) var unusableReservations: Set<String> = []
    private let logger: Logger

    init(store: SQLiteReplica, role: Role, logger: Logger) throws {
        self.logger = logger
        if role.subscriptions.contains(.parking) { try loadReservations(from: store) }
    }

    func rowsChanged(_ refs: [RowRef], in store: SQLiteReplica) {
        for ref in refs where ref.table == "reservations" {
            do {
                refreshReservation(ref.key, values: try store.row(ref)?.values ?? [:])
            } catch {
                logger.error(
                    "reservation view not refreshed", metadata: ["row.key": "\(ref.key)", "sync.error": "\(error)"])
            }
        }
    }

    func channelReplaced(_ channel: Channel, in store: SQLiteReplica) {
        guard channel.kind == .parking else { return }
        do {
            try loadReservations(from: store)
        } catch {
            logger.error("reservation view not reloaded", metadata: ["sync.error": "\(error)"])
        }
    }

    private func loadReservations(from store: SQLiteReplica) throws {
        reservations = ReservationBook()
        unusableReservations = []
        try store.forEachVisibleRow(of: "reservations", columns: Reservation.columns) { key, values in
            refreshReservation(key, values: values)
        }
        logger.info(
            "reservations loaded",
            metadata: [
                "gate.reservations": "\(reservations.count)",
                "gate.reservations.unusable": "\(unusableReservations.count)",
            ])
    }

    /// `values` empty: the row is gone (deleted, or never visible).
    private func refreshReservation(_ key: String, values: [String: Value]) {
        guard !values.isEmpty else {
            reservations.remove(id: key)
            unusableReservations.remove(key)
            return
        }
        switch Reservation.parse(key: key, values: values) {
        case .success(let reservation):
            reservations.upsert(reservation)
            unusableReservations.remove(key)
        case .failure(let problem):
            reservations.remove(id: key)
            if unusableReservations.insert(key).inserted {
                logger.warning(
                    "reservation unusable at the gate", metadata: ["row.key": "\(key)", "gate.problem": "\(problem)"])
            }
        }
    }
}

extension Reservation {
    /// Why a reservation row cannot be used by a gate, without its values.
    enum RowProblem: Error, CustomStringConvertible {
        case missing(String)
        case plate(PlateError)
        case status

        var description: String {
            switch self {
            case .missing(let column): "column \(column) is missing"
            case .plate(let error): "plate: \(error)"
            case .status: "status is not one of \(Reservation.Status.allCases.map(\.rawValue))"
            }
        }
    }

    /// The columns `parse` reads.
    static let columns = ["member_id", "plate", "zone", "window_start", "window_end", "status"]

    /// Reads a `reservations` row; the plate is normalised as the gate matches it.
    static func parse(key: String, values: [String: Value]) -> Result<Reservation, RowProblem> {
        guard case .text(let raw)? = values["plate"] else { return .failure(.missing("plate")) }
        let plate: Plate
        do {
            plate = try PlateNormalizer.normalize(raw)
        } catch {
            return .failure(.plate(error))
        }
        guard case .text(let statusText)? = values["status"], let status = Status(rawValue: statusText) else {
            return .failure(.status)
        }
        guard case .int(let start)? = values["window_start"] else { return .failure(.missing("window_start")) }
        guard case .int(let end)? = values["window_end"] else { return .failure(.missing("window_end")) }
        return .success(
            Reservation(
                id: key, memberID: values["member_id"]?.textValue ?? "", plate: plate.text,
                zone: values["zone"]?.textValue ?? "", windowStart: start, windowEnd: end, status: status))
    }
}

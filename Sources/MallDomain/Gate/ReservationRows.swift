public import SyncCore

/// `reservations` rows, mapped from and to the replica's columns here and
/// nowhere else: a gate moves their status through `moving(to:)`, and the
/// reservation book reads them back (the hub's imports write them whole).
extension Reservation {
    public static let table = "reservations"

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
            return .failure(.invalid("status"))
        }
        guard case .int(let start)? = values["window_start"] else { return .failure(.missing("window_start")) }
        guard case .int(let end)? = values["window_end"] else { return .failure(.missing("window_end")) }
        return .success(
            Reservation(
                id: key, memberID: values["member_id"]?.textValue ?? "", plate: plate.text,
                zone: values["zone"]?.textValue ?? "", windowStart: start, windowEnd: end, status: status))
    }

    /// The member a `reservations` row's values name, if any.
    public static func memberID(in values: [String: Value]) -> String? {
        values["member_id"]?.textValue
    }

    /// The gate's move of this reservation to `status` (a car in or out).
    public func moving(to status: Status) -> LocalWrite {
        .update(Self.table, id, ["status": .text(status.rawValue)])
    }
}

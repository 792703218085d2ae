import Foundation

/// Turns imported bookings (from the mall's booking system or app) into
/// `reservations` rows keyed by the booking system's own id, so importing
/// the same booking again updates it instead of booking the space twice.
///
/// A reservation the gates have already used (a car inside, gone, or a
/// no-show) keeps the status the gates gave it: a row that tries to set it
/// is refused. Windows are given as epoch milliseconds or as ISO 8601 times
/// with their UTC offset (`2026-11-24T09:00:00+08:00`): a time without one
/// would be read differently by the hub and the person who wrote it.
public enum ReservationImport {
    public struct Booking: Hashable, Sendable {
        public var key: String
        public var memberID: String
        public var plate: String
        public var zone: String
        public var windowStart: Int64
        public var windowEnd: Int64
        /// Nil: leave the status as it is (an update that does not set one).
        public var status: Reservation.Status?
        public var isNew: Bool
        public var row: Int
    }

    public static let fields = MemberDirectory.fields.union([
        "reservation_id", "plate", "zone", "window_start", "window_end", "status",
    ])
    /// The longest window an import may hold a space for.
    public static let maxWindowMillis: Int64 = 7 * 86_400_000

    /// `existing`: reservation key to its current status. `now`: epoch
    /// milliseconds; a new booking must not have ended already.
    public static func plan(
        _ rows: [[String: String]], members: MemberDirectory, existing: [String: Reservation.Status], now: Int64
    ) -> Result<[Booking], ImportRefusal> {
        var errors: [ImportRowError] = []
        var bookings: [Booking] = []
        var seen: [String: Int] = [:]
        for (index, row) in rows.enumerated() {
            let number = index + 1
            func fail(_ field: String?, _ problem: String) {
                errors.append(ImportRowError(row: number, field: field, problem: problem))
            }
            if let unknown = unknownField(in: row, allowed: fields, number: number) { errors.append(unknown) }
            guard let key = text(row, "reservation_id"), isKey(key) else {
                fail("reservation_id", "required: 1 to 64 letters, digits, '.', '_', ':' or '-'")
                continue
            }
            if let earlier = seen[key] {
                fail("reservation_id", "\(key) is already booked by row \(earlier) of this import")
                continue
            }
            seen[key] = number
            let member: String
            let plate: Plate
            switch members.memberAndPlate(of: row, number: number) {
            case .failure(let error):
                errors.append(error)
                continue
            case .success(let found): (member, plate) = found
            }
            guard let zone = text(row, "zone"), zone.count <= 32 else {
                fail("zone", "required, at most 32 characters")
                continue
            }
            guard let start = time(row["window_start"]) else {
                fail("window_start", "epoch milliseconds or an ISO 8601 time with its UTC offset, 1970 to 3000")
                continue
            }
            guard let end = time(row["window_end"]) else {
                fail("window_end", "epoch milliseconds or an ISO 8601 time with its UTC offset, 1970 to 3000")
                continue
            }
            guard end > start, end - start <= maxWindowMillis else {
                fail("window_end", "after window_start, and at most 7 days after it")
                continue
            }
            var status: Reservation.Status?
            if let given = text(row, "status") {
                guard let parsed = Reservation.Status(rawValue: given), parsed == .booked || parsed == .cancelled else {
                    fail("status", "booked or cancelled (the gates set the others)")
                    continue
                }
                status = parsed
            }
            let current = existing[key]
            if let current, current != .booked, current != .cancelled, status != nil {
                fail("status", "reservation \(key) is \(current.rawValue) at the gates; that status is theirs now")
                continue
            }
            if current == nil {
                if end <= now, status != .cancelled {
                    fail("window_end", "the window has already ended")
                    continue
                }
                status = status ?? .booked
            }
            bookings.append(
                Booking(
                    key: key, memberID: member, plate: plate.text, zone: zone, windowStart: start, windowEnd: end,
                    status: status, isNew: current == nil, row: number))
        }
        return errors.isEmpty ? .success(bookings) : .failure(ImportRefusal(rows: errors))
    }

    static func isKey(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".:_-".unicodeScalars.contains($0))
            }
    }

    /// The times a booking may name: 1970 to the year 3000, so window
    /// arithmetic can never overflow.
    static let plausibleMillis: ClosedRange<Int64> = 0...32_503_680_000_000

    /// Epoch milliseconds, or an ISO 8601 date and time with a UTC offset
    /// (`T` or one space between them), within `plausibleMillis`; nil for
    /// anything else.
    static func time(_ raw: String?) -> Int64? {
        parsedTime(raw).flatMap { plausibleMillis.contains($0) ? $0 : nil }
    }

    private static func parsedTime(_ raw: String?) -> Int64? {
        guard let raw = raw?.trimmingWhitespace(), !raw.isEmpty else { return nil }
        if raw.allSatisfy(\.isASCIIDigit) { return Int64(raw) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let iso =
            raw.count > 10 && raw[raw.index(raw.startIndex, offsetBy: 10)] == " "
            ? raw.prefix(10) + "T" + raw.dropFirst(11) : Substring(raw)
        if let date = formatter.date(from: String(iso)) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        formatter.formatOptions.insert(.withFractionalSeconds)
        return formatter.date(from: String(iso)).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }
}

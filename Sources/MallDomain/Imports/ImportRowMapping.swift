public import SyncCore

// What imports read from and write to the `members`, `vehicles` and
// `reservations` rows, mapped here and nowhere else.

extension MemberImport {
    public static let table = "members"

    /// The columns `Existing(key:values:)` reads.
    public static let existingColumns = ["phone", "card_no"]
}

extension MemberImport.Existing {
    /// A member row the import matches new rows against.
    public init(key: String, values: [String: Value]) {
        self.init(id: key, phone: values["phone"]?.textValue, cardNo: values["card_no"]?.textValue)
    }
}

extension MemberImport.Member {
    /// The insert or update this member is; only the fields the file gave.
    public var write: LocalWrite {
        var columns: [String: Value] = [:]
        if let name { columns["name"] = .text(name) }
        if let tier { columns["tier"] = .text(tier) }
        if let phone { columns["phone"] = .text(phone) }
        if let cardNo { columns["card_no"] = .text(cardNo) }
        if let guestsAllowed { columns["guests_allowed"] = .int(Int64(guestsAllowed)) }
        return isNew ? .insert(MemberImport.table, id, columns) : .update(MemberImport.table, id, columns)
    }
}

extension VehicleImport {
    public static let table = "vehicles"

    /// A vehicle row as the import sees it, under its plate; nil when the
    /// row lacks either.
    public static func registered(key: String, values: [String: Value]) -> (plate: String, vehicle: Registered)? {
        guard let plate = values["plate"]?.textValue, let member = values["member_id"]?.textValue else { return nil }
        return (plate, Registered(key: key, memberID: member))
    }
}

extension VehicleImport.Vehicle {
    public var write: LocalWrite {
        let columns: [String: Value] = ["member_id": .text(memberID), "plate": .text(plate)]
        return isNew ? .insert(VehicleImport.table, key, columns) : .update(VehicleImport.table, key, columns)
    }
}

extension ReservationImport {
    /// A booking's status as its row holds it (booked when unreadable).
    public static func status(in values: [String: Value]) -> Reservation.Status {
        values["status"]?.textValue.flatMap(Reservation.Status.init(rawValue:)) ?? .booked
    }
}

extension ReservationImport.Booking {
    /// The insert or update this booking is; the status only when the file set one.
    public var write: LocalWrite {
        var columns: [String: Value] = [
            "member_id": .text(memberID), "plate": .text(plate), "zone": .text(zone),
            "window_start": .int(windowStart), "window_end": .int(windowEnd),
        ]
        if let status { columns["status"] = .text(status.rawValue) }
        return isNew ? .insert(Reservation.table, key, columns) : .update(Reservation.table, key, columns)
    }
}

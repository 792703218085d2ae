public import SyncCore

/// `lounge_visits` rows, mapped from and to the replica's columns here and
/// nowhere else: the desk's decisions write them through these, and the
/// lounge book reads them back.
public enum LoungeVisitRows {
    public static let table = "lounge_visits"
    /// The columns `visit` reads.
    static let columns = ["member_id", "guests", "status", "checked_in_at"]

    /// A check-in: the visit opens at `at` (ms since 1970).
    public static func checkIn(_ key: String, member: String, guests: Int, at: Int64) -> LocalWrite {
        .insert(
            table, key,
            [
                "member_id": .text(member), "guests": .int(Int64(guests)), "status": .text("open"),
                "checked_in_at": .int(at),
            ])
    }

    /// A check-out at `at`; `closedBy` says who closed it when not the member
    /// at the desk (`max-stay`).
    public static func checkOut(_ key: String, at: Int64, closedBy: String? = nil) -> LocalWrite {
        var columns: [String: Value] = ["status": .text("closed"), "checked_out_at": .int(at)]
        if let closedBy { columns["closed_by"] = .text(closedBy) }
        return .update(table, key, columns)
    }

    /// The open visit a row holds; nil for a closed (or gone) one.
    static func openVisit(key: String, values: [String: Value]) throws(RowProblem) -> LoungeBook.Visit? {
        guard !values.isEmpty, values["status"]?.textValue == "open" else { return nil }
        guard let member = values["member_id"]?.textValue else { throw .missing("member_id") }
        return LoungeBook.Visit(
            id: key, memberID: member, guests: Int(values["guests"]?.intValue ?? 0),
            checkedInAt: values["checked_in_at"]?.intValue ?? 0)
    }
}

public import SyncCore

/// The lounge desk's book is fed members' cards, open visits, bars and
/// closures.
extension LoungeBook: RowFedBook {
    public static let columns: [String: [String]] = [
        "members": ["card_no"],
        LoungeVisitRows.table: LoungeVisitRows.columns,
        "lounge_bans": ["member_id", "until"],
        "lounge_closures": ["from", "until"],
    ]

    public mutating func apply(_ ref: RowRef, values: [String: Value]) throws(RowProblem) {
        let key = ref.key
        switch ref.table {
        case "members":
            setCard(values["card_no"]?.textValue, member: key)
        case LoungeVisitRows.table:
            removeVisit(key)
            if let visit = try LoungeVisitRows.openVisit(key: key, values: values) { openVisit(visit) }
        case "lounge_bans":
            removeBan(row: key)
            guard !values.isEmpty else { return }
            guard let member = values["member_id"]?.textValue else { throw .missing("member_id") }
            guard let until = values["until"]?.intValue else { throw .missing("until") }
            setBan(row: key, member: member, until: until)
        case "lounge_closures":
            removeClosure(row: key)
            guard !values.isEmpty else { return }
            guard let from = values["from"]?.intValue else { throw .missing("from") }
            guard let until = values["until"]?.intValue else { throw .missing("until") }
            // A closure that ends before it starts is a mistake, not an open lounge.
            guard from < until else { throw .invalid("until") }
            setClosure(row: key, from: from, until: until)
        default: return
        }
    }

    public mutating func remove(_ ref: RowRef) {
        switch ref.table {
        case LoungeVisitRows.table: removeVisit(ref.key)
        case "lounge_bans": removeBan(row: ref.key)
        case "lounge_closures": removeClosure(row: ref.key)
        default: break
        }
    }
}

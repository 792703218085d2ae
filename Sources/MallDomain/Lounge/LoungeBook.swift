/// What a lounge desk knows to check members in: card numbers, and who is
/// in the lounge now. A value with no I/O; the node keeps it in step with
/// its replica.
public struct LoungeBook: Sendable {
    public struct Visit: Hashable, Sendable {
        public var id: String
        public var memberID: String
        public var guests: Int
        /// Milliseconds since 1970.
        public var checkedInAt: Int64

        public init(id: String, memberID: String, guests: Int, checkedInAt: Int64) {
            self.id = id
            self.memberID = memberID
            self.guests = guests
            self.checkedInAt = checkedInAt
        }
    }

    private var memberByCard: [String: String] = [:]
    private var cardByMember: [String: String] = [:]
    public private(set) var openVisits: [String: Visit] = [:]
    private var visitByMember: [String: String] = [:]
    /// Bars from the lounge: until when (ms since 1970), by member and row.
    private var bansByMember: [String: [String: Int64]] = [:]
    private var memberByBan: [String: String] = [:]
    /// Times the lounge is closed, by row: from and until (ms since 1970).
    private var closures: [String: (from: Int64, until: Int64)] = [:]

    public init() {}

    /// People in the lounge: each open visit's member and guests.
    public var occupancy: Int {
        // Guests are bounded where rows enter; clamped here too, so no row can overflow the sum.
        openVisits.values.reduce(0) { $0 + 1 + Swift.min(Swift.max($1.guests, 0), 1_000) }
    }

    public func member(card: String) -> String? { memberByCard[card] }

    public func openVisit(of member: String) -> Visit? { visitByMember[member].flatMap { openVisits[$0] } }

    /// Until when `member` is barred from the lounge at `now`, the latest of
    /// their bars still running; nil when none is.
    public func barredUntil(_ member: String, now: Int64) -> Int64? {
        bansByMember[member]?.values.filter { $0 > now }.max()
    }

    public mutating func setBan(row: String, member: String, until: Int64) {
        removeBan(row: row)
        bansByMember[member, default: [:]][row] = until
        memberByBan[row] = member
    }

    public mutating func removeBan(row: String) {
        guard let member = memberByBan.removeValue(forKey: row) else { return }
        bansByMember[member]?[row] = nil
        if bansByMember[member]?.isEmpty == true { bansByMember[member] = nil }
    }

    /// Until when the lounge is closed at `now`: the latest end of the
    /// closures under way; nil when it is open.
    public func closedUntil(now: Int64) -> Int64? {
        closures.values.filter { $0.from <= now && now < $0.until }.map(\.until).max()
    }

    public mutating func setClosure(row: String, from: Int64, until: Int64) {
        closures[row] = (from, until)
    }

    public mutating func removeClosure(row: String) {
        closures[row] = nil
    }

    public mutating func setCard(_ card: String?, member: String) {
        if let previous = cardByMember.removeValue(forKey: member) { memberByCard[previous] = nil }
        guard let card, !card.isEmpty else { return }
        memberByCard[card] = member
        cardByMember[member] = card
    }

    public mutating func openVisit(_ visit: Visit) {
        removeVisit(visit.id)
        openVisits[visit.id] = visit
        visitByMember[visit.memberID] = visit.id
    }

    public mutating func removeVisit(_ id: String) {
        guard let visit = openVisits.removeValue(forKey: id) else { return }
        if visitByMember[visit.memberID] == id { visitByMember[visit.memberID] = nil }
    }

    /// Forgets what came from `tables` (`members`, `lounge_visits`,
    /// `lounge_bans`, `lounge_closures`) before a reload.
    public mutating func reset(tables: Set<String>) {
        if tables.contains("lounge_closures") { closures = [:] }
        if tables.contains("lounge_bans") {
            bansByMember = [:]
            memberByBan = [:]
        }
        if tables.contains("members") {
            memberByCard = [:]
            cardByMember = [:]
        }
        if tables.contains("lounge_visits") {
            openVisits = [:]
            visitByMember = [:]
        }
    }

    /// Open visits that started before `now - maxStayMillis`.
    public func overstayed(now: Int64, maxStayMillis: Int64) -> [Visit] {
        openVisits.values.filter { now.saturatingSubtract($0.checkedInAt) > maxStayMillis }.sorted { $0.id < $1.id }
    }
}

/// Decides a lounge check-in from the desk's own replica.
///
/// Admitted when the lounge is open, the member is known and active, is not barred from the
/// lounge, is not already in it, brings no more guests than their tier
/// allows, and the lounge has room for them all.
public struct LoungeDesk: Sendable {
    /// - `capacity`: people the lounge holds, members and guests (default 40).
    /// - `maxStayMillis`: open visits older than this are closed automatically (default 4 h).
    public struct Configuration: Hashable, Sendable {
        public var capacity: Int
        public var maxStayMillis: Int64

        public init(capacity: Int = 40, maxStayMillis: Int64 = 4 * 3_600_000) {
            self.capacity = capacity
            self.maxStayMillis = maxStayMillis
        }
    }

    /// A member as the desk shows them.
    public struct Member: Hashable, Sendable {
        public var id: String
        public var name: String
        public var tier: String
        public var guestsAllowed: Int

        public init(id: String, name: String, tier: String, guestsAllowed: Int) {
            self.id = id
            self.name = name
            self.tier = tier
            self.guestsAllowed = guestsAllowed
        }
    }

    public enum Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        case closed(until: Int64)
        case unknownMember
        case barred(until: Int64)
        case alreadyInside(since: Int64, visit: String)
        case tooManyGuests(allowed: Int)
        case full(capacity: Int, free: Int)

        /// The short reason an API returns.
        public var reason: String {
            switch self {
            case .closed: "closed"
            case .unknownMember: "unknown member"
            case .barred: "barred"
            case .alreadyInside: "already inside"
            case .tooManyGuests: "too many guests"
            case .full: "lounge full"
            }
        }

        public var description: String {
            switch self {
            case .closed(let until): "the lounge is closed until \(until) (ms since 1970)"
            case .unknownMember: "no member with this code or card at this desk"
            case .barred(let until): "barred from the lounge until \(until) (ms since 1970)"
            case .alreadyInside(_, let visit): "already checked in on visit \(visit) and not checked out"
            case .tooManyGuests(let allowed): "this member's tier allows \(allowed) guest\(allowed == 1 ? "" : "s")"
            case .full(let capacity, let free):
                "the lounge holds \(capacity); \(free) place\(free == 1 ? "" : "s") free"
            }
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// - Parameter now: milliseconds since 1970, for closures and the member's bars.
    public func checkIn(_ member: Member?, guests: Int, book: LoungeBook, now: Int64) throws(Refusal) -> Member {
        if let until = book.closedUntil(now: now) { throw .closed(until: until) }
        guard let member else { throw .unknownMember }
        if let until = book.barredUntil(member.id, now: now) { throw .barred(until: until) }
        if let visit = book.openVisit(of: member.id) {
            throw .alreadyInside(since: visit.checkedInAt, visit: visit.id)
        }
        guard guests <= member.guestsAllowed else { throw .tooManyGuests(allowed: member.guestsAllowed) }
        let free = max(configuration.capacity - book.occupancy, 0)
        guard 1 + guests <= free else { throw .full(capacity: configuration.capacity, free: free) }
        return member
    }
}

/// A member's booking of a parking space, as a gate sees it.
public struct Reservation: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable, CaseIterable {
        case booked, inside, left, cancelled
        case noShow = "no-show"

        /// Booked or inside: the car may still arrive or leave on it.
        public var isLive: Bool { self == .booked || self == .inside }
    }

    public var id: String
    public var memberID: String
    /// Normalised (`PlateNormalizer.normalize(_:).text`).
    public var plate: String
    public var zone: String
    /// Milliseconds since 1970, the window the space is held for.
    public var windowStart: Int64
    public var windowEnd: Int64
    public var status: Status

    public init(
        id: String, memberID: String, plate: String, zone: String, windowStart: Int64, windowEnd: Int64,
        status: Status
    ) {
        self.id = id
        self.memberID = memberID
        self.plate = plate
        self.zone = zone
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.status = status
    }
}

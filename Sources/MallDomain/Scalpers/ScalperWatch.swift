import Foundation

/// Spots members whose gift redemptions or gate entries happen at sites too
/// far apart for the time between them, or at too many sites within a
/// window: the resellers (黄牛党) the malls' case study describes, "two
/// cities within an hour". A value with no I/O: the hub feeds it every
/// accepted use and records what it returns in the conflict ledger.
public struct ScalperWatch: Sendable {
    /// - `sites`: coordinates of each site (a mall), by id.
    /// - `maxSpeedKmh`: faster than this between two uses is impossible (default 200).
    /// - `maxSites`: more distinct sites than this within `windowMillis` is flagged (default 3 in 60 min).
    public struct Configuration: Hashable, Sendable {
        public var sites: [String: Site]
        public var maxSpeedKmh: Double
        public var maxSites: Int
        public var windowMillis: Int64

        public init(
            sites: [String: Site] = [:], maxSpeedKmh: Double = 200, maxSites: Int = 3, windowMillis: Int64 = 3_600_000
        ) {
            self.sites = sites
            self.maxSpeedKmh = maxSpeedKmh
            self.maxSites = maxSites
            self.windowMillis = windowMillis
        }
    }

    public struct Site: Hashable, Sendable {
        public var latitude: Double
        public var longitude: Double

        public init(latitude: Double, longitude: Double) {
            self.latitude = latitude
            self.longitude = longitude
        }

        /// Great-circle distance in kilometres (haversine, mean Earth radius).
        public func kilometres(to other: Site) -> Double {
            let radians = Double.pi / 180
            let dLat = (other.latitude - latitude) * radians
            let dLon = (other.longitude - longitude) * radians
            let a =
                pow(sin(dLat / 2), 2) + cos(latitude * radians) * cos(other.latitude * radians) * pow(sin(dLon / 2), 2)
            return 2 * 6371.0 * asin(min(1, a.squareRoot()))
        }
    }

    /// One use of something by a member: a redemption or an entry.
    public struct Use: Hashable, Sendable {
        public var member: String
        public var site: String
        /// Milliseconds since 1970.
        public var at: Int64
        /// The event's row key, so a use heard twice counts once.
        public var event: String

        public init(member: String, site: String, at: Int64, event: String) {
            self.member = member
            self.site = site
            self.at = at
            self.event = event
        }
    }

    public struct Flag: Hashable, Sendable {
        public enum Kind: String, Hashable, Sendable {
            case tooFast = "scalper.too-fast"
            case tooManySites = "scalper.many-sites"
        }

        public var kind: Kind
        public var member: String
        /// The uses that make the case, earliest first; the last one triggered it.
        public var uses: [Use]
        /// The rule in words, with the figures (`412 km in 35 min (706 km/h > 200 km/h)`).
        public var rule: String
    }

    public let configuration: Configuration
    private var recent: [String: [Use]] = [:]

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Records a use and returns the flags it raises (none for a use already seen).
    public mutating func observe(_ use: Use) -> [Flag] {
        var uses = recent[use.member] ?? []
        guard !uses.contains(where: { $0.event == use.event }) else { return [] }
        let horizon = max(configuration.windowMillis, 24 * 3_600_000)
        uses.removeAll { use.at.millisApart(from: $0.at) > UInt64(clamping: horizon) }
        var flags: [Flag] = []
        if let here = configuration.sites[use.site] {
            let fastest = uses.compactMap { other -> (Use, Double, Double)? in
                guard other.site != use.site, let there = configuration.sites[other.site] else { return nil }
                let kilometres = here.kilometres(to: there)
                let hours = max(Double(use.at.millisApart(from: other.at)), 1) / 3_600_000
                return (other, kilometres, kilometres / hours)
            }.max { $0.2 < $1.2 }
            if let (other, kilometres, speed) = fastest, speed > configuration.maxSpeedKmh {
                let minutes = use.at.millisApart(from: other.at) / 60_000
                flags.append(
                    Flag(
                        kind: .tooFast, member: use.member, uses: [other, use].sorted { $0.at < $1.at },
                        rule:
                            "\(Int(kilometres.rounded())) km in \(minutes) min (\(Int(speed.rounded())) km/h > "
                            + "\(Int(configuration.maxSpeedKmh)) km/h)"))
            }
        }
        let window = (uses + [use]).filter {
            use.at.millisApart(from: $0.at) <= UInt64(clamping: configuration.windowMillis)
        }
        let sites = Set(window.map(\.site))
        if sites.count > configuration.maxSites {
            flags.append(
                Flag(
                    kind: .tooManySites, member: use.member, uses: window.sorted { $0.at < $1.at },
                    rule:
                        "\(sites.count) sites within \(configuration.windowMillis / 60_000) min "
                        + "(more than \(configuration.maxSites))"))
        }
        uses.append(use)
        if uses.count > Self.maxUsesPerMember {
            uses.sort { $0.at < $1.at }
            uses.removeFirst(uses.count - Self.maxUsesPerMember)
        }
        recent[use.member] = uses
        return flags
    }

    /// The uses kept per member: the latest by time. Far more than an honest
    /// member makes in a day, and it bounds the work per use, whatever a
    /// stolen device sends in one member's name.
    public static let maxUsesPerMember = 64
}

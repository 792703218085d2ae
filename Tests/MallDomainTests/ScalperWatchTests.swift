import MallDomain
import Testing

@Suite struct ScalperWatchTests {
    static let minute: Int64 = 60_000
    let configuration = ScalperWatch.Configuration(
        sites: [
            "shanghai": .init(latitude: 31.2304, longitude: 121.4737),
            "beijing": .init(latitude: 39.9042, longitude: 116.4074),
            "suzhou": .init(latitude: 31.2990, longitude: 120.5853),
            "hangzhou": .init(latitude: 30.2741, longitude: 120.1551),
        ], maxSpeedKmh: 200, maxSites: 2, windowMillis: 60 * minute)

    func use(_ site: String, at minutes: Int64, _ event: String, member: String = "m-1") -> ScalperWatch.Use {
        .init(member: member, site: site, at: minutes * Self.minute, event: event)
    }

    @Test func shanghaiThenBeijingWithinAnHourIsTooFast() throws {
        var watch = ScalperWatch(configuration: configuration)
        #expect(watch.observe(use("shanghai", at: 0, "e1")).isEmpty)
        let flags = watch.observe(use("beijing", at: 40, "e2"))
        let flag = try #require(flags.first { $0.kind == .tooFast })
        #expect(flag.member == "m-1")
        #expect(flag.uses.map(\.event) == ["e1", "e2"])
        #expect(flag.rule.hasPrefix("1067 km in 40 min"), "\(flag.rule)")
    }

    @Test func aDrivableTripAndRepeatsAtOneSiteAreNotFlagged() {
        var watch = ScalperWatch(configuration: configuration)
        #expect(watch.observe(use("shanghai", at: 0, "e1")).isEmpty)
        #expect(watch.observe(use("shanghai", at: 5, "e2")).isEmpty)
        // Shanghai to Suzhou is about 85 km: in an hour that is 85 km/h.
        #expect(watch.observe(use("suzhou", at: 65, "e3")).isEmpty)
        // Another member at the same places is a different person.
        #expect(watch.observe(use("beijing", at: 66, "e4", member: "m-2")).isEmpty)
    }

    @Test func moreSitesThanAllowedWithinTheWindowIsFlagged() throws {
        var watch = ScalperWatch(configuration: .init(sites: [:], maxSites: 2, windowMillis: 60 * Self.minute))
        #expect(watch.observe(use("a", at: 0, "e1")).isEmpty)
        #expect(watch.observe(use("b", at: 10, "e2")).isEmpty)
        let flag = try #require(watch.observe(use("c", at: 20, "e3")).first)
        #expect(flag.kind == .tooManySites)
        #expect(flag.uses.count == 3)
        // Outside the window the count starts again.
        #expect(watch.observe(use("d", at: 200, "e4")).isEmpty)
    }

    @Test func aUseHeardTwiceCountsOnce() {
        var watch = ScalperWatch(configuration: configuration)
        #expect(watch.observe(use("shanghai", at: 0, "e1")).isEmpty)
        #expect(!watch.observe(use("beijing", at: 10, "e2")).isEmpty)
        #expect(watch.observe(use("beijing", at: 10, "e2")).isEmpty)
    }

    /// A stolen device sending 20,000 uses in one member's name, all at the
    /// same far-future time (so none ever leaves the window): the watch keeps
    /// the latest few, so each use costs the same, and it still flags.
    @Test func oneMembersFloodOfUsesIsBoundedAndStillFlagged() {
        var watch = ScalperWatch(configuration: configuration)
        let far = (1 << 53) - 1 as Int64
        for index in 0..<20_000 {
            _ = watch.observe(.init(member: "m-1", site: "shanghai", at: far, event: "e\(index)"))
        }
        let flags = watch.observe(.init(member: "m-1", site: "beijing", at: far, event: "last"))
        #expect(flags.contains { $0.kind == .tooFast })
    }
}

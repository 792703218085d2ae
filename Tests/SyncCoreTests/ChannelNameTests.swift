import SyncCore
import Testing

@Suite struct ChannelNameTests {
    @Test func parsesAMallAndAKind() {
        #expect(Channel("mall-1/parking") == Channel(mall: "mall-1", kind: .parking))
        #expect(Channel("a.b_c/some-kind")?.kind.rawValue == "some-kind")
        #expect(Channel("mall-1/parking")?.name == "mall-1/parking")
    }

    @Test(arguments: [
        "", "/", "mall", "mall/", "/parking", "mall/parking/extra", "mall//parking", "ma ll/parking",
        "mall/park ing", "mäll/parking", "mall/\u{0}", "mall\u{0}/parking",
        String(repeating: "m", count: 65) + "/parking",
    ])
    func refusesAnythingElse(text: String) {
        #expect(Channel(text) == nil)
    }
}

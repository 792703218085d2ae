import SyncCore
import Testing

@Suite struct RepeatedJSONKeysTests {
    @Test(arguments: [
        (#"{"a":1,"a":2}"#, "a"),
        (#"{"a":1,"\u0061":2}"#, "a"),
        (#"{"x":{"b":[1,{"c":1,"c":2}]}}"#, "c"),
        (#"{"s":"\"a\":1,\"a\":2","t":{"k":"}","k":1}}"#, "k"),
    ])
    func aKeyGivenTwiceInOneObjectIsFound(body: String, key: String) {
        #expect(RepeatedJSONKeys.first(in: Array(body.utf8)) == key)
    }

    @Test(arguments: [
        #"{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}"#, #"{"s":"a\"a\":\"b"}"#, #"["a","a"]"#, #"{}"#, #""a""#,
    ])
    func theSameKeyInDifferentObjectsOrInsideStringsIsFine(body: String) {
        #expect(RepeatedJSONKeys.first(in: Array(body.utf8)) == nil)
    }
}

extension RepeatedJSONKeysTests {
    /// A heartbeat with 130,000 keys, as a stolen node could send, and one
    /// repeated at the end: found in one pass (about 10^10 steps, minutes,
    /// when each key was compared with all before it).
    @Test func aMillionBytesOfKeysAreCheckedInOnePass() {
        var body = #"{"v":1"#
        for index in 0..<130_000 { body += #","a\#(index)":0"# }
        #expect(RepeatedJSONKeys.first(in: Array((body + "}").utf8)) == nil)
        #expect(RepeatedJSONKeys.first(in: Array((body + #","a7":1}"#).utf8)) == "a7")
    }
}

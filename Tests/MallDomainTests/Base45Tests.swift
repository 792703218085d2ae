import MallDomain
import Testing

@Suite struct Base45Tests {
    /// The examples of RFC 9285, section 4.3 and 4.4.
    @Test(arguments: [("AB", "BB8"), ("Hello!!", "%69 VD92EX0"), ("base-45", "UJCLQE7W581"), ("ietf!", "QED8WEX0")])
    func encodesTheRFCExamples(plain: String, encoded: String) throws {
        #expect(Base45.encode(Array(plain.utf8)) == encoded)
        #expect(try Base45.decode(encoded) == Array(plain.utf8))
    }

    @Test func refusesWhatNoBytesEncodeTo() {
        #expect(throws: Base45.DecodingError.overflow(offset: 0)) { try Base45.decode("GGW") }
        #expect(throws: Base45.DecodingError.invalidLength) { try Base45.decode("BB8A") }
        #expect(throws: Base45.DecodingError.invalidCharacter(offset: 1)) { try Base45.decode("Ba8") }
    }

    @Test func roundTripsEveryByteValue() throws {
        let bytes = (0...255).map { UInt8($0) } + [255, 255, 0]
        #expect(try Base45.decode(Base45.encode(bytes)) == bytes)
    }
}

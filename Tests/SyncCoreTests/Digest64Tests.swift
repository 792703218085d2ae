import SyncCore
import Testing

/// The digests are compared across languages (acks, chains, the replica
/// digest), so their text is checked against SHA-256's published vectors
/// (FIPS 180-2, "abc" and the empty message).
@Suite struct Digest64Tests {
    @Test func hexIsTheLowercaseSHA256OfTheBytesOrItsFirstEightBytes() {
        let abc = Array("abc".utf8)
        #expect(
            Digest64.fullHex(of: abc) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest64.hex(of: abc) == "ba7816bf8f01cfea")
        #expect(
            Digest64.fullHex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest64.hex(of: []) == "e3b0c44298fc1c14")
    }
}

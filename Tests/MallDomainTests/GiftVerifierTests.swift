import Crypto
import MallDomain
import Testing

@Suite struct GiftVerifierTests {
    static let day: Int64 = 86_400_000
    let key = Curve25519.Signing.PrivateKey()
    let verifier = GiftVerifier(configuration: .init(clockLeewayMillis: 60_000))
    /// 2026-11-23T00:00:00Z and a code valid for that day.
    let midnight: Int64 = 1_795_392_000_000
    var token: GiftToken {
        GiftToken(
            mall: "mall-sh", keyNumber: 1, codeNumber: 0xA1B2_C3D4_E5F6_0718, validFrom: UInt32(midnight / 1000),
            validTo: UInt32((midnight + Self.day) / 1000), member: "m-000042", gift: "tea-set")
    }

    func book(revoked: [String: String] = [:], redemptions: [GiftBook.Redemption] = []) -> GiftBook {
        var book = GiftBook()
        book.setKey(
            .init(
                id: "m1", publicKey: Array(key.publicKey.rawRepresentation), validFrom: midnight - 30 * Self.day,
                validTo: midnight + 30 * Self.day))
        for (code, reason) in revoked { book.revoke(codeID: code, reason: reason) }
        for redemption in redemptions { book.record(redemption) }
        return book
    }

    @Test func aSignedCodeIsRedeemableWithinItsWindow() throws {
        let text = try token.signed(with: key)
        #expect(text.hasPrefix("MG2:"))
        let verified = try verifier.verify(
            text, counter: "gift-1", mall: "mall-sh", now: midnight + 3_600_000, book: book())
        #expect(verified == token)
        #expect(verified.codeID == "gc-a1b2c3d4e5f60718")
        // A scanner's trailing newline does not matter.
        #expect(
            try verifier.verify(text + "\r\n", counter: "gift-1", mall: "mall-sh", now: midnight + 1, book: book())
                == token)
    }

    @Test func theLongestTokenFitsAVersion10QRCodeAtLevelQ() throws {
        var longest = token
        longest.member = String(repeating: "m", count: GiftToken.maxFieldBytes)
        longest.gift = String(repeating: "会", count: GiftToken.maxFieldBytes / 3)
        longest.keyNumber = .max
        longest.codeNumber = .max
        let text = try longest.signed(with: key)
        #expect(text.count <= GiftToken.maxTextLength, "\(text.count) characters")
        #expect(text.allSatisfy { Base45.alphabet.contains($0.asciiValue ?? 0) || $0 == "M" || $0 == "G" || $0 == ":" })
    }

    @Test func aForgedCodeSignedWithAnotherKeyIsRefused() throws {
        let forged = try token.signed(with: Curve25519.Signing.PrivateKey())
        #expect(throws: GiftCodeError.badSignature) {
            try verifier.verify(forged, counter: "gift-1", mall: "mall-sh", now: midnight + 1, book: book())
        }
    }

    @Test func everyAlteredCharacterIsRefused() throws {
        let text = Array(try token.signed(with: key))
        let alphabet = Base45.alphabet.map { Character(UnicodeScalar($0)) }
        for index in 4..<text.count {
            var altered = text
            altered[index] = alphabet[(alphabet.firstIndex(of: text[index])! + 7) % alphabet.count]
            #expect(throws: GiftCodeError.self) {
                try verifier.verify(
                    String(altered), counter: "gift-1", mall: "mall-sh", now: midnight + 1, book: book())
            }
        }
    }

    @Test func validityIsCheckedWithTheClockLeeway() throws {
        let text = try token.signed(with: key)
        let validTo = midnight + Self.day
        #expect(throws: Never.self) {
            try verifier.verify(text, counter: "c", mall: "mall-sh", now: midnight - 60_000, book: book())
        }
        #expect(throws: GiftCodeError.notYetValid(validFrom: midnight)) {
            try verifier.verify(text, counter: "c", mall: "mall-sh", now: midnight - 60_001, book: book())
        }
        #expect(throws: Never.self) {
            try verifier.verify(text, counter: "c", mall: "mall-sh", now: validTo + 60_000, book: book())
        }
        #expect(throws: GiftCodeError.expired(validTo: validTo)) {
            try verifier.verify(text, counter: "c", mall: "mall-sh", now: validTo + 60_001, book: book())
        }
    }

    @Test func unknownAndRetiredKeysAreRefused() throws {
        var other = token
        other.keyNumber = 9
        #expect(throws: GiftCodeError.unknownKey("m9")) {
            try verifier.verify(
                try other.signed(with: key), counter: "c", mall: "mall-sh", now: midnight + 1, book: book())
        }
        var retired = book()
        retired.setKey(
            .init(
                id: "m1", publicKey: Array(key.publicKey.rawRepresentation), validFrom: 0, validTo: midnight - Self.day)
        )
        #expect(throws: GiftCodeError.keyRetired("m1")) {
            try verifier.verify(
                try token.signed(with: key), counter: "c", mall: "mall-sh", now: midnight + 1, book: retired)
        }
    }

    @Test func revokedAndRedeemedCodesSayWhy() throws {
        let text = try token.signed(with: key)
        #expect(throws: GiftCodeError.revoked(reason: "reported stolen")) {
            try verifier.verify(
                text, counter: "c", mall: "mall-sh", now: midnight + 1,
                book: book(revoked: [token.codeID: "reported stolen"]))
        }
        let earlier = GiftBook.Redemption(rowKey: "gr-1", codeID: token.codeID, counter: "gift-2", at: midnight + 5)
        #expect(throws: GiftCodeError.alreadyRedeemed(at: midnight + 5, counter: "gift-2", here: false)) {
            try verifier.verify(
                text, counter: "gift-1", mall: "mall-sh", now: midnight + 9, book: book(redemptions: [earlier]))
        }
        #expect(throws: GiftCodeError.alreadyRedeemed(at: midnight + 5, counter: "gift-2", here: true)) {
            try verifier.verify(
                text, counter: "gift-2", mall: "mall-sh", now: midnight + 9, book: book(redemptions: [earlier]))
        }
    }

    /// Seeded garbage: every input is refused with a reason, none crashes.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func garbageIsRefusedNeverCrashes(seed: UInt64) throws {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let valid = Array(try token.signed(with: key))
        let pool = Array("MG2:0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:é\u{0}会\n")
        for _ in 0..<2000 {
            var text: [Character]
            switch next(3) {
            case 0: text = (0..<next(300)).map { _ in pool[next(pool.count)] }
            case 1: text = Array(next(2) == 0 ? "MG1:" : "MG2:") + (0..<next(220)).map { _ in pool[next(pool.count)] }
            default:
                text = Array(valid.prefix(next(valid.count)))
            }
            #expect(throws: GiftCodeError.self, "seed \(seed)") {
                try verifier.verify(String(text), counter: "c", mall: "mall-sh", now: midnight + 1, book: book())
            }
        }
    }
}

extension GiftVerifierTests {
    /// The version 1 vector in `sync-protocol/GIFT-TOKENS.md`: it still
    /// parses, and is redeemable only where the mall issued it.
    @Test func theDocumentedVersion1VectorVerifies() throws {
        let text =
            "MG1:V500004H0TK404DGWL1CU/J0H20KR1G8G4 D646646.Q6I.0X CPX57$CHTFDWQY4G07KL85LAUT61GUOJ+BVN880I28CE13/J74J87TQ84OR56IUL8SDJWE*84L99-OLYWN4.B1*P*:3$0GLVOQQBMZ2"
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: (0..<32).map { UInt8($0) })
        let publicHex: String = key.publicKey.rawRepresentation.map { byte -> String in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        #expect(publicHex == "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8")
        let scanned = try ScannedGiftCode(text)
        #expect(
            scanned.token
                == GiftToken(
                    mall: nil, keyNumber: 3, codeNumber: 0x0123_4567_89AB_CDEF, validFrom: 1_795_392_000,
                    validTo: 1_795_996_800, member: "m-000042", gift: "tea-set"))
        #expect(scanned.token.codeID == "gc-0123456789abcdef")
        #expect(scanned.token.keyID == "k3")
        #expect(scanned.isSigned(by: key.publicKey))
        #expect(try scanned.token.signed(with: key) == text)
        var book = GiftBook()
        book.setKey(.init(id: "k3", publicKey: Array(key.publicKey.rawRepresentation), validFrom: 0, validTo: .max))
        let now: Int64 = 1_795_400_000_000
        #expect(throws: GiftCodeError.otherMall) {
            try GiftVerifier().verify(text, counter: "c", mall: "mall-bj", now: now, book: book)
        }
        book.setIssued("gc-0123456789abcdef", true)
        #expect(throws: Never.self) {
            try GiftVerifier().verify(text, counter: "c", mall: "mall-sh", now: now, book: book)
        }
    }

    /// The version 2 vector in `sync-protocol/GIFT-TOKENS.md`.
    @Test func theDocumentedVectorVerifies() throws {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: (0..<32).map { UInt8($0) })
        let token = GiftToken(
            mall: "mall-sh-01", keyNumber: 3, codeNumber: 0x0123_4567_89AB_CDEF, validFrom: 1_795_392_000,
            validTo: 1_795_996_800, member: "m-000042", gift: "tea-set")
        #expect(GiftToken.tag(ofMall: "mall-sh-01") == Self.vectorMallTag)
        let text = try token.signed(with: key)
        #expect(text == Self.vector)
        #expect(try ScannedGiftCode(Self.vector).token == token)
        #expect(token.keyID == "m3")
    }

    static let vectorMallTag: UInt32 = 0x979B_9B91
    static let vector =
        "MG2:HB0L7J0UJ000300L60$Y88IHO1QZNDPJG:NDG$N.213W5646A46RE67WE$CCLQEEWEYXI-XO3F9WWH:89LRE*5HF$V:9834O 512 7S4G7KUJRF-DWXAG*TLCXHQ%H*A752HDBP51UK8A1F27JAKT12P5IGH63V80"

    @Test func aCodeOfAnotherMallIsRefusedUnlessGroupWide() throws {
        let text = try token.signed(with: key)
        #expect(throws: GiftCodeError.otherMall) {
            try verifier.verify(text, counter: "c", mall: "mall-bj", now: midnight + 1, book: book())
        }
        // A group-wide code is signed with the group's key, which every mall holds.
        var groupWide = token
        groupWide.groupWide = true
        var everyMall = book()
        everyMall.setKey(
            .init(id: "g1", publicKey: Array(key.publicKey.rawRepresentation), validFrom: 0, validTo: .max))
        let shared = try groupWide.signed(with: key)
        #expect(
            try verifier.verify(shared, counter: "c", mall: "mall-bj", now: midnight + 1, book: everyMall) == groupWide)
        // A code claiming to be group-wide without the group's signature is forged.
        let forged = try groupWide.signed(with: Curve25519.Signing.PrivateKey())
        #expect(throws: GiftCodeError.badSignature) {
            try verifier.verify(forged, counter: "c", mall: "mall-bj", now: midnight + 1, book: everyMall)
        }
    }
}

import MallDomain
import Testing

@Suite struct StaffTests {
    @Test func aPINVerifiesAgainstItsHashAndNothingElseDoes() throws {
        let hash = try PINHash.make(pin: "246813", rounds: 1000)
        #expect(hash.hasPrefix("pbkdf2-sha256$1000$"))
        #expect(PINHash.verify(pin: "246813", against: hash))
        #expect(!PINHash.verify(pin: "2469", against: hash))
        #expect(!PINHash.verify(pin: "", against: hash))
        // Salted: the same PIN never hashes the same twice.
        #expect(try PINHash.make(pin: "246813", rounds: 1000) != hash)
    }

    @Test(arguments: [
        "", "246813", "md5$1000$AAAA$AAAA", "pbkdf2-sha256$10$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
        "pbkdf2-sha256$1000$!!!$AAAA", "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
        "pbkdf2-sha256$99999999999$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ])
    func aMalformedStoredHashNeverVerifies(stored: String) {
        #expect(!PINHash.verify(pin: "246813", against: stored))
    }

    @Test func rolesGrantTheUnionOfTheirPermissionsAndUnknownNamesAreIgnored() {
        let roles = StaffMember.roles(from: "gift-staff, lounge-staff,superuser")
        #expect(roles == [.giftStaff, .loungeStaff])
        let member = StaffMember(id: "s1", name: "Li", roles: roles, pinHash: "", active: true)
        #expect(member.permissions == [.giftRedeem, .loungeCheckIn, .loungeCheckOut])
        #expect(!member.permissions.contains(.gateOverride))
        #expect(StaffRole.manager.permissions.isSuperset(of: StaffRole.giftManager.permissions))
    }
}

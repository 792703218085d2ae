import MallDomain
import Testing

@Suite struct MemberImportTests {
    func plan(_ rows: [[String: String]], existing: [MemberImport.Existing] = []) -> Result<
        [MemberImport.Member], ImportRefusal
    > {
        MemberImport.plan(rows, existing: existing)
    }

    @Test func recordsOfOnePersonFromSeveralChannelsBecomeOneMember() throws {
        // The CRM knows her by phone, the mini program by phone and card, the desk by card.
        let members = try plan([
            ["name": "Zhang San", "phone": "138-0013-8000", "tier": "Gold"],
            ["phone": "13800138000", "card_no": "C-001", "guests_allowed": "2"],
            ["card_no": "C-001", "tier": "black"],
            ["name": "Li Si", "phone": "+86 139 0000 0000"],
        ]).get()
        #expect(members.count == 2)
        let zhang = members[0]
        #expect(zhang.rows == [1, 2, 3])
        #expect(zhang.name == "Zhang San")
        #expect(zhang.phone == "+8613800138000")
        #expect(zhang.cardNo == "C-001")
        #expect(zhang.tier == "black")
        #expect(zhang.guestsAllowed == 2)
        #expect(zhang.isNew)
        #expect(members[1].phone == "+8613900000000")
        // The id comes from the stable key, so importing again finds the same member.
        #expect(try plan([["name": "Zhang San", "phone": "13800138000"]]).get()[0].id == zhang.id)
        // A mainland mobile is one number with or without its country code.
        #expect(try plan([["name": "Zhang San", "phone": "0086 138 0013 8000"]]).get()[0].id == zhang.id)
        #expect(try plan([["name": "Zhang San", "phone": "+86 13800138000"]]).get()[0].id == zhang.id)
    }

    @Test func aKnownPhoneOrCardUpdatesTheExistingMember() throws {
        let existing = [MemberImport.Existing(id: "m-legacy-7", phone: "13800138000", cardNo: nil)]
        let members = try plan([["card_no": "C-9", "phone": "13800138000", "tier": "svip"]], existing: existing).get()
        #expect(members.map(\.id) == ["m-legacy-7"])
        #expect(!members[0].isNew)
        #expect(members[0].name == nil, "an update writes only what the row gave")
    }

    @Test func everyUnusableRowIsReportedAndNothingIsPlanned() {
        let existing = [
            MemberImport.Existing(id: "m-a", phone: "13800000001", cardNo: nil),
            MemberImport.Existing(id: "m-b", phone: nil, cardNo: "C-B"),
        ]
        let result = plan(
            [
                ["name": "ok", "phone": "13800000009"],
                ["name": "no key"],
                ["name": "bad phone", "phone": "call me"],
                ["name": "bad tier", "phone": "13800000010", "tier": "platinum"],
                ["name": "two people", "phone": "13800000001", "card_no": "C-B"],
                ["name": "x", "phone": "13800000011", "guests_allowed": "many"],
                ["name": "x", "phone": "13800000012", "email": "x@y"],
                ["phone": "13800000013"],
            ], existing: existing)
        guard case .failure(let refusal) = result else {
            Issue.record("expected a refusal")
            return
        }
        #expect(refusal.rows.map(\.row) == [2, 3, 4, 5, 6, 7, 8])
        #expect(refusal.rows.first { $0.row == 5 }?.problem.contains("m-a") == true)
        #expect(refusal.rows.first { $0.row == 7 }?.field == "email")
        #expect(refusal.rows.first { $0.row == 8 }?.problem == "a new member needs a name")
    }
}

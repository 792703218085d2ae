import MallDomain
import Testing

@Suite struct VehicleAndReservationImportTests {
    let members = MemberDirectory([
        .init(id: "m-zhang", phone: "13800138000", cardNo: "C-001"),
        .init(id: "m-li", phone: "+8613900000000", cardNo: nil),
    ])
    let hour: Int64 = 3_600_000
    let now: Int64 = 1_795_000_000_000

    func problems<T>(_ result: Result<T, ImportRefusal>) -> [String] {
        guard case .failure(let refusal) = result else { return [] }
        return refusal.rows.map { "\($0.row) \($0.field ?? "-"): \($0.problem)" }
    }

    @Test func aMemberIsFoundByIdPhoneOrCardAndDisagreementIsRefused() throws {
        #expect(try members.member(of: ["phone": "138 0013 8000"], number: 1).get() == "m-zhang")
        #expect(try members.member(of: ["card_no": " C-001 "], number: 1).get() == "m-zhang")
        #expect(try members.member(of: ["member_id": "m-li", "phone": "+86 139-0000-0000"], number: 1).get() == "m-li")
        // (a mainland mobile matches with or without +86)
        #expect(try members.member(of: ["phone": "13900000000"], number: 1).get() == "m-li")
        #expect(throws: ImportRowError.self) { try members.member(of: ["phone": "13700000000"], number: 1).get() }
        let clash = members.member(of: ["member_id": "m-li", "card_no": "C-001"], number: 4)
        #expect(
            throws: ImportRowError(
                row: 4, field: "card_no", problem: "member_id names member m-li but card_no names member m-zhang")
        ) {
            try clash.get()
        }
        #expect(throws: ImportRowError.self) { try members.member(of: ["plate": "沪AD1234"], number: 1).get() }
    }

    @Test func vehiclesAreKeyedByTheNormalisedPlateAndNeverMovedSilently() throws {
        let vehicles = try VehicleImport.plan(
            [
                ["card_no": "C-001", "plate": "沪A·D1234"],
                ["phone": "13800138000", "plate": "沪ad1234"],
                ["member_id": "m-li", "plate": "粤B12345"],
            ], members: members, registered: ["粤B12345": .init(key: "v-粤B12345", memberID: "m-li")]
        ).get()
        #expect(vehicles.map(\.key) == ["v-沪AD1234", "v-粤B12345"])
        #expect(vehicles[0].rows == [1, 2])
        #expect(vehicles[0].isNew)
        #expect(!vehicles[1].isNew)
        let refused = VehicleImport.plan(
            [
                ["member_id": "m-li", "plate": "沪AD1234"],
                ["member_id": "m-zhang", "plate": "沪AD12"],
                ["member_id": "m-zhang", "plate": "粤B12345", "colour": "red"],
                ["member_id": "m-zhang", "plate": "粤B54321"],
            ], members: members,
            registered: [
                "沪AD1234": .init(key: "v-沪AD1234", memberID: "m-zhang"),
                "粤B54321": .init(key: "car-17", memberID: "m-zhang"),
            ])
        #expect(
            problems(refused) == [
                "1 plate: 沪AD1234 is registered to member m-zhang",
                "2 plate: not a plate: 5 characters: plates have 7 or 8",
                "3 colour: unknown field",
                "4 plate: 粤B54321 is held by vehicle car-17; change it there",
            ])
    }

    @Test func bookingsTakeEpochOrOffsetTimesAndKeepTheGatesStatus() throws {
        let bookings = try ReservationImport.plan(
            [
                [
                    "reservation_id": "bk-1", "phone": "13800138000", "plate": "沪A D1234", "zone": "B2",
                    "window_start": "2026-11-24T09:00:00+08:00", "window_end": "2026-11-24 11:30:00+08:00",
                ],
                [
                    "reservation_id": "bk-2", "member_id": "m-li", "plate": "粤B12345", "zone": "B3",
                    "window_start": "\(now)", "window_end": "\(now + hour)", "status": "",
                ],
            ], members: members, existing: ["bk-2": .inside], now: now
        ).get()
        #expect(bookings[0].windowStart == 1_795_482_000_000)
        #expect(bookings[0].windowEnd - bookings[0].windowStart == 150 * 60_000)
        #expect(bookings[0].status == .booked)
        #expect(bookings[0].plate == "沪AD1234")
        #expect(bookings[0].isNew)
        #expect(bookings[1].status == nil, "an update without a status leaves the gate's 'inside' alone")
        #expect(!bookings[1].isNew)
    }

    @Test func badBookingsAreReportedRowByRow() {
        func row(_ id: String, start: String = "1795000000000", end: String = "1795003600000", status: String = "")
            -> [String: String]
        {
            [
                "reservation_id": id, "member_id": "m-zhang", "plate": "沪AD1234", "zone": "B2",
                "window_start": start, "window_end": end, "status": status,
            ]
        }
        let refused = ReservationImport.plan(
            [
                row("bk/1"),
                row("bk-2", start: "2026-11-24T09:00:00"),
                row("bk-3", end: "1795000000000"),
                row("bk-4", end: "1795900000000"),
                row("bk-5", status: "inside"),
                row("bk-6", status: "cancelled"),
                row("bk-7", start: "1700000000000", end: "1700003600000"),
                row("bk-7"),
                row("bk-8"),
                row("bk-8"),
                row("bk-9", start: "1969-12-31T00:00:00Z", end: "9223372036854775807"),
            ], members: members, existing: ["bk-6": .left], now: now)
        #expect(
            problems(refused) == [
                "1 reservation_id: required: 1 to 64 letters, digits, '.', '_', ':' or '-'",
                "2 window_start: epoch milliseconds or an ISO 8601 time with its UTC offset, 1970 to 3000",
                "3 window_end: after window_start, and at most 7 days after it",
                "4 window_end: after window_start, and at most 7 days after it",
                "5 status: booked or cancelled (the gates set the others)",
                "6 status: reservation bk-6 is left at the gates; that status is theirs now",
                "7 window_end: the window has already ended",
                "8 reservation_id: bk-7 is already booked by row 7 of this import",
                "10 reservation_id: bk-8 is already booked by row 9 of this import",
                "11 window_start: epoch milliseconds or an ISO 8601 time with its UTC offset, 1970 to 3000",
            ])
    }
}

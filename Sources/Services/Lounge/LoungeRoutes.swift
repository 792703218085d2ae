import Hummingbird
import MallDomain

/// The lounge desk: `POST /v1/lounge/check-ins` and `POST /v1/lounge/check-outs`,
/// by member code or card number.
enum LoungeRoutes {
    struct CheckInRequest: Decodable {
        var member: String
        var guests: Int

        enum CodingKeys: String, CodingKey, CaseIterable { case member, guests }

        init(from decoder: any Decoder) throws {
            let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
            member = try container.decode(String.self, forKey: .member).trimmingWhitespace()
            guests = try container.decodeIfPresent(Int.self, forKey: .guests) ?? 0
            guard !member.isEmpty, member.utf8.count <= 64 else { throw FieldError("member", "1 to 64 bytes") }
            guard (0...20).contains(guests) else { throw FieldError("guests", "0 to 20") }
        }
    }

    struct CheckOutRequest: Decodable {
        var member: String

        enum CodingKeys: String, CodingKey, CaseIterable { case member }

        init(from decoder: any Decoder) throws {
            let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
            member = try container.decode(String.self, forKey: .member).trimmingWhitespace()
            guard !member.isEmpty, member.utf8.count <= 64 else { throw FieldError("member", "1 to 64 bytes") }
        }
    }

    struct Response: ResponseEncodable {
        struct Member: Encodable {
            var id: String
            var name: String
            var tier: String
            var guestsAllowed: Int
        }

        var outcome: String
        var reason: String?
        var detail: String?
        var visit: String?
        var member: Member?
        var occupancy: Int
        var capacity: Int

        init(_ result: LoungeResult, admitted: String) {
            outcome = result.refusal == nil ? admitted : "refused"
            reason = result.refusal?.reason
            detail = result.refusal?.description
            visit = result.visit
            member = result.member.map {
                .init(id: $0.id, name: $0.name, tier: $0.tier, guestsAllowed: $0.guestsAllowed)
            }
            occupancy = result.occupancy
            capacity = result.capacity
        }
    }

    static func add(to router: some RouterMethods<APIRequestContext>, auth: NodeAuthentication) {
        let coordinator = auth.coordinator
        router.post("/v1/lounge/check-ins") { request, context -> Hummingbird.Response in
            let caller = try await auth.require(.loungeCheckIn, context)
            let body = try await RequestBody.decode(CheckInRequest.self, from: request)
            let result = try await coordinator.checkIn(memberOrCard: body.member, guests: body.guests, caller: caller)
            return try Response(result, admitted: "admitted").response(from: request, context: context)
                .withStatus(result.refusal == nil ? .created : .unprocessableContent)
        }
        router.post("/v1/lounge/check-outs") { request, context -> Hummingbird.Response in
            let caller = try await auth.require(.loungeCheckOut, context)
            let body = try await RequestBody.decode(CheckOutRequest.self, from: request)
            guard let result = try await coordinator.checkOut(memberOrCard: body.member, caller: caller) else {
                throw HTTPError(.notFound, message: "no open visit for this member or card")
            }
            return try Response(result, admitted: "checked out").response(from: request, context: context)
        }
    }
}

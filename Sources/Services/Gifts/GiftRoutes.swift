import Hummingbird
import MallDomain

/// The gift counter: `POST /v1/gifts/redemptions` (scan a code) and
/// `GET /v1/gifts/codes/{id}` (what this counter knows of a code). Codes are
/// revoked at the hub, never at a counter (`Rights.mall`).
enum GiftRoutes {
    struct RedemptionRequest: Decodable {
        var code: String

        enum CodingKeys: String, CodingKey, CaseIterable { case code }

        init(from decoder: any Decoder) throws {
            let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
            code = try container.decode(String.self, forKey: .code)
            guard code.utf8.count <= 1024 else { throw FieldError("code", "at most 1024 bytes") }
        }
    }

    struct MemberView: Encodable {
        var id: String
        var name: String
        var tier: String
    }

    struct RedemptionResponse: ResponseEncodable {
        struct Previous: Encodable {
            var counter: String
            var at: Int64
        }

        var outcome: String
        var reason: String?
        var detail: String?
        var codeId: String?
        var redemption: String?
        var member: MemberView?
        var memberId: String?
        var gift: String?
        var previous: Previous?
        var at: UInt64
    }

    static func add(to router: some RouterMethods<APIRequestContext>, auth: NodeAuthentication) {
        let coordinator = auth.coordinator
        router.post("/v1/gifts/redemptions") { request, context -> Response in
            let caller = try await auth.require(.giftRedeem, context)
            let body = try await RequestBody.decode(RedemptionRequest.self, from: request)
            let result = try await coordinator.redeemGift(body.code, caller: caller)
            if let refusal = result.refusal {
                var previous: RedemptionResponse.Previous?
                if case .alreadyRedeemed(let at, let counter, _) = refusal {
                    previous = .init(counter: counter, at: at)
                }
                return try RedemptionResponse(
                    outcome: "rejected", reason: refusal.reason, detail: refusal.description,
                    codeId: try? ScannedGiftCode(body.code).token.codeID, previous: previous, at: result.at
                ).response(from: request, context: context).withStatus(.unprocessableContent)
            }
            let token = result.token!
            return try RedemptionResponse(
                outcome: "redeemed", codeId: token.codeID, redemption: result.redemption,
                member: result.member.map { MemberView(id: $0.id, name: $0.name, tier: $0.tier) },
                memberId: token.member,
                gift: token.gift, at: result.at
            ).response(from: request, context: context).withStatus(.created)
        }
        router.get("/v1/gifts/codes/:id") { _, context -> CodeStatusResponse in
            let id = try context.parameters.require("id")
            let status = try await coordinator.giftCodeStatus(id)
            let winner = status.conflict?["winner"]?.textValue
            return CodeStatusResponse(
                codeId: id,
                redemptions: status.redemptions.map { redemption in
                    .init(
                        row: redemption.rowKey, counter: redemption.counter, at: redemption.at,
                        stands: winner.map { $0 == redemption.rowKey })
                },
                ruling: status.conflict.map {
                    .init(
                        winner: $0["winner"]?.textValue ?? "", rule: $0["rule"]?.textValue ?? "",
                        claims: $0["claims"]?.intValue ?? 0)
                })
        }
    }

    /// What a counter knows of one code. When two counters redeemed it, the
    /// hub's ruling says which redemption stands; the other is void.
    struct CodeStatusResponse: ResponseEncodable {
        struct Redemption: Encodable {
            var row: String
            var counter: String
            var at: Int64
            /// Whether the hub ruled this redemption the one that stands (nil: no ruling needed).
            var stands: Bool?
        }

        struct Ruling: Encodable {
            var winner: String
            var rule: String
            var claims: Int64
        }

        var codeId: String
        var redemptions: [Redemption]
        var ruling: Ruling?
    }
}

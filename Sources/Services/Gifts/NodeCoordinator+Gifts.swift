public import MallDomain
public import SyncCore

/// The outcome of scanning a gift code at a counter.
public struct GiftRedemptionResult: Sendable {
    /// The redemption row, when redeemed.
    public var redemption: String?
    public var token: GiftToken?
    public var refusal: GiftCodeError?
    public var member: LoungeDesk.Member?
    public var at: UInt64
}

extension NodeCoordinator {
    /// Verifies a scanned code from the replica alone (keys, revocations,
    /// every redemption heard of) and, if it may be redeemed, commits the
    /// redemption and an audit entry before returning. A refusal is audited
    /// too. Verify and commit run in one actor turn, so one counter can never
    /// redeem a code twice; two offline counters can, and the hub records it.
    public nonisolated func redeemGift(_ text: String, caller: Caller) async throws -> GiftRedemptionResult {
        try await durable(redeemGiftNow(text, caller: caller))
    }

    private func redeemGiftNow(_ text: String, caller: Caller) throws -> Committed<GiftRedemptionResult> {
        let now = clock.now()
        let id = engine.nextChangeID
        let counter = configuration.node
        do {
            let token = try GiftVerifier(configuration: policies.gifts).verify(
                text, counter: counter, mall: configuration.mall, now: Int64(now), book: views.gifts)
            let key = "gr-\(id.origin)-\(id.epoch)-\(id.seq)"
            let changes = try commitNow([
                GiftRedemptionRows.redeem(key, token: token, counter: counter, staff: caller.staffID, at: Int64(now)),
                audit(
                    actor: caller.actor, action: "gift.redeem", target: token.codeID, outcome: "redeemed", at: now,
                    id: id),
            ])
            let result = GiftRedemptionResult(redemption: key, token: token, member: try member(token.member), at: now)
            return Committed(outcome: result, changes: changes, decision: "gift.redeem")
        } catch let refusal as GiftCodeError {
            let target = (try? ScannedGiftCode(text).token.codeID) ?? "unreadable code"
            return try auditNow(
                caller.actor, action: "gift.redeem", target: target, outcome: "refused: \(refusal.reason)",
                answering: GiftRedemptionResult(refusal: refusal, at: now))
        }
    }

    /// What this counter knows of a code: its redemptions, and the hub's
    /// ruling when two counters redeemed it.
    public func giftCodeStatus(_ codeID: String) throws -> (
        redemptions: [GiftBook.Redemption], conflict: [String: Value]?
    ) {
        let conflict = try engine.store.row(
            RowRef(table: ConflictLedger.tableName, key: "gift.double-redemption:\(codeID)"))
        return (views.gifts.redemptions(of: codeID), conflict?.isVisible == true ? conflict?.values : nil)
    }

    /// A member as the replica knows them (lounge and gift nodes replicate members).
    func member(_ id: String) throws -> LoungeDesk.Member? {
        guard let values = try engine.store.row(RowRef(table: "members", key: id))?.values, !values.isEmpty else {
            return nil
        }
        return LoungeDesk.Member(
            id: id, name: values["name"]?.textValue ?? "", tier: values["tier"]?.textValue ?? "",
            guestsAllowed: Int(values["guests_allowed"]?.intValue ?? 0))
    }
}

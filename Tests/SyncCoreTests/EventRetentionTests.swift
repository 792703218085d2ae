import MallDomain
import SyncCore
import Testing

/// How long an event row lives (SPEC §12.1): its table's retention, or a
/// month after what it used lapsed, within bounds a forged time cannot pass.
@Suite struct EventRetentionTests {
    let day: UInt64 = 86_400_000
    let made: UInt64 = 1_800_000_000_000

    func redemption(validTo: Int64?) -> RowState {
        var columns: [String: Value] = ["code_id": .text("gc-1"), "counter": .text("gift-1")]
        columns["valid_to"] = validTo.map { .int($0) }
        var state = RowState()
        _ = state.apply(
            Change(
                id: ChangeID(origin: "gift-1", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: made),
                table: "gift_redemptions", key: "gr-1", channel: Channel(mall: "m", kind: .gifts), op: .insert,
                columns: columns))
        return state
    }

    @Test func aRedemptionLeavesAMonthAfterItsCodeLapsed() throws {
        let table = try #require(SyncSchema.mall.tables["gift_redemptions"])
        let validTo = made + 100 * day
        #expect(table.endOfLife(redemption(validTo: Int64(validTo))) == validTo + 30 * day)
        #expect(!table.hasExpired(redemption(validTo: Int64(validTo)), now: validTo + 30 * day - 1))
        #expect(table.hasExpired(redemption(validTo: Int64(validTo)), now: validTo + 30 * day))
    }

    @Test func aForgedOrMissingLapseTimeStaysWithinTheTablesBounds() throws {
        let table = try #require(SyncSchema.mall.tables["gift_redemptions"])
        // A time in the past buys a stolen counter three months, not less.
        #expect(table.endOfLife(redemption(validTo: 0)) == made + 90 * day)
        // A time far ahead, or none (an older node's row), keeps it 400 days, not more.
        #expect(table.endOfLife(redemption(validTo: SyncSchema.timeRange.upperBound)) == made + 400 * day)
        #expect(table.endOfLife(redemption(validTo: nil)) == made + 400 * day)
    }
}

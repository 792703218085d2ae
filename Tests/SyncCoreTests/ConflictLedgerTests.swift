import Testing

@testable import MallDomain
@testable import SyncCore

@Suite struct ConflictLedgerTests {
    func claim(_ index: Int) -> Claim {
        Claim(
            kind: "parking.double-entry", item: "r-1",
            stamp: Stamp(
                hlc: HybridTimestamp(wallMillis: 1_800_000_000_000 + UInt64(index)),
                id: ChangeID(origin: "gate-\(index % 7)", epoch: 3, seq: UInt64(index))),
            rowKey: "p-gate-\(index)", channel: Channel(mall: "mall-1", kind: .parking))
    }

    @Test func theEarliestUseStandsWhateverTheArrivalOrder() {
        let claims = [claim(5), claim(2), claim(9)]
        #expect(SingleUseRule.conflict(kind: "k", tally: ClaimTally(claims))?.winner == claim(2))
        #expect(SingleUseRule.conflict(kind: "k", tally: ClaimTally(claims.reversed()))?.winner == claim(2))
        #expect(SingleUseRule.conflict(kind: "k", tally: ClaimTally([claim(1)])) == nil)
    }

    @Test func aMuchUsedItemStillFitsTheSchema() throws {
        let outcome = try #require(
            SingleUseRule.conflict(kind: "parking.double-entry", tally: ClaimTally((1...500).map(claim).shuffled())))
        let columns = outcome.ledgerColumns(now: 1)
        let row = Change(
            id: ChangeID(origin: "hub", epoch: 1, seq: 1), hlc: .zero, table: "conflicts", key: outcome.rowKey,
            channel: Channel(mall: "mall-1", kind: .parking), op: .insert, columns: columns)
        #expect(SyncSchema.mall.violation(of: row) == nil)
        #expect(columns["claims"] == .int(500))
        #expect(columns["winner"] == .text("p-gate-1"))
    }

    @Test func aTallyKeepsTheEarliestInOrderWhateverTheArrivalOrder() {
        var tally = ClaimTally()
        for index in (1...1_000).shuffled() { tally.add(claim(index)) }
        #expect(tally.count == 1_000)
        #expect(tally.earliest == (1...ClaimTally.kept).map(claim))
    }
}

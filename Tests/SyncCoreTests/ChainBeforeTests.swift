import Testing

@testable import SyncCore

/// A node sends, with each `changes` message, its sequence chain at the
/// change before the first (`chainBefore`, SPEC §7.1): from the outbox, or
/// from the acknowledged changes kept aside once the hub took that one.
@Suite struct ChainBeforeTests {
    let fleet = GateAndHub()

    @Test func eachMessageCarriesTheChainBeforeItsFirstChange() throws {
        var now: UInt64 = 1_800_000_000_000
        _ = try fleet.node.connectionChanged(up: true, now: now)
        var chain = ""
        for number in 1...3 {
            let sent = try fleet.passage(number, now: now)
            guard sent.count == 1, case .changes(let batch) = sent[0].message else {
                Issue.record("no changes message for passage \(number)")
                return
            }
            #expect(batch.chainBefore == chain)
            let result = fleet.hub.receive(
                topic: Topics.node("gate-1", mall: "m", .up), message: .changes(batch), now: now)
            #expect(result.rejection == nil && result.accepted == 1)
            // Acknowledged, the change leaves the outbox; its chain is kept aside.
            for message in result.outgoing { _ = try fleet.node.receive(message.message, now: now) }
            #expect(fleet.node.outboxStatus.depth == 0)
            chain = SequenceChain.next(after: chain, contentHash: batch.changes[0].contentHash)
            now += 1000
        }
    }
}

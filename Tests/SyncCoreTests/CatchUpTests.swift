import Simulation
import Testing

@testable import MallDomain
@testable import SyncCore

/// A node that was away while the hub logged many answers' worth of
/// entries catches up in one go: each answer that stops short of the head
/// says `more`, and the node asks for the rest at once (SPEC §9.2, §9.3).
/// Before, it waited `catchUpDelayMillis` between answers: a gate 100,000
/// entries behind took about a minute for what its replica writes in four
/// seconds.
@Suite struct CatchUpTests {
    static let mall = "m"
    static let parking = Channel(mall: mall, kind: .parking)

    let hub: HubEngine<MemoryHubStore>
    let node: NodeEngine<MemoryReplicaStore>
    let codec = WireCodec(schema: .mall)

    init() throws {
        hub = try HubEngine(
            configuration: .init(
                schema: .mall, fleet: ["gate-1": .init(mall: Self.mall, role: .gate)], maxEntriesPerMessage: 25,
                maxResendEntries: 100),
            store: MemoryHubStore(schema: .mall))
        node = try NodeEngine(
            configuration: .init(schema: .mall, node: "gate-1", mall: Self.mall, role: .gate),
            store: MemoryReplicaStore(schema: .mall))
    }

    /// Hands every message over, through the codec, until neither side has
    /// more to say, all at `now`: no timer of the node runs meanwhile.
    /// Returns how many resend requests the node sent.
    @discardableResult
    func deliver(_ outgoing: [Outgoing], now: UInt64) throws -> Int {
        var queue = outgoing[...]
        var resends = 0
        while let next = queue.popFirst() {
            let message = try codec.decode(codec.encode(next.message))
            if ["/up", "/birth", "/death"].contains(where: next.topic.hasSuffix) {
                if case .resend = message { resends += 1 }
                let result = hub.receive(topic: next.topic, message: message, now: now)
                #expect(result.rejection == nil, "the hub refused \(message.type)")
                queue.append(contentsOf: result.outgoing)
            } else {
                queue.append(contentsOf: try node.receive(message, now: now))
            }
        }
        return resends
    }

    func reservations(_ range: Range<Int>, now: UInt64) -> [LocalWrite] {
        range.map { index in
            LocalWrite.insert(
                "reservations", "r-\(index)",
                [
                    "member_id": .text("m-\(index)"), "plate": .text("沪A\(10000 + index)"), "zone": .text("B2"),
                    "window_start": .int(Int64(now)), "window_end": .int(Int64(now) + 86_400_000),
                    "status": .text("booked"),
                ])
        }
    }

    @Test func aNodeFarBehindCatchesUpWithoutWaitingBetweenAnswers() throws {
        // Given a gate that joined an empty channel and went away,
        var now: UInt64 = 1_732_350_000_000
        try deliver(try node.connectionChanged(up: true, now: now), now: now)
        for _ in 0..<20 where node.cursor(of: Self.parking) != 0 {
            now += 100
            try deliver([hub.status(now: now)] + (try node.tick(now: now)), now: now)
        }
        #expect(node.cursor(of: Self.parking) == 0)
        _ = try node.connectionChanged(up: false, now: now)
        // while the hub logged ten answers' worth of reservations,
        for first in stride(from: 0, to: 1000, by: 100) {
            _ = try hub.write(reservations(first..<first + 100, now: now), mall: Self.mall, now: now)
        }
        let head = try #require(hub.heads[Self.parking])

        // when it comes back and hears the hub's head, it asks at once
        // (the gap opened while it was away: no catch-up delay), and every
        // next answer is asked for as the one before ends: it reaches the
        // head without any time passing.
        now += 1000
        let resends =
            try deliver(try node.connectionChanged(up: true, now: now), now: now)
            + (try deliver([hub.status(now: now)], now: now))
        #expect(node.cursor(of: Self.parking) == head)
        #expect(resends == 10)
        #expect(try node.store.rows(in: Self.parking).count == 1000)
        // Each insert reached the store with the row its decoding made.
        #expect(node.store.loggedInserts.withRow == 1000)
        #expect(node.store.loggedInserts.withoutRow == 0)
    }
}

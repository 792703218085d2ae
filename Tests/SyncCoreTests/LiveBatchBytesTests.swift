import Simulation
import Testing

@testable import SyncCore

/// Live batches go out on a channel topic as compact bytes (`entryBytes`,
/// SPEC §7.2) only once every node of the channel has said in its birth
/// that it reads them; one node not heard from, or an older one, keeps the
/// channel on JSON. What each node applies is the same either way.
@Suite struct LiveBatchBytesTests {
    static let now: UInt64 = 1_800_000_000_000
    static let fleet: [NodeID: HubEngine<MemoryHubStore>.FleetMember] = [
        "gate-1": .init(mall: "m", role: .gate), "gate-2": .init(mall: "m", role: .gate),
        "lounge-1": .init(mall: "m", role: .lounge),
    ]
    static let parking = Channel(mall: "m", kind: .parking)
    let store = MemoryHubStore(schema: .mall)
    let codec = WireCodec(schema: .mall)

    func hub() throws -> HubEngine<MemoryHubStore> {
        try HubEngine(configuration: .init(schema: .mall, fleet: Self.fleet), store: store)
    }

    func birth(_ node: NodeID, role: Role, entryEncoding: String?, to hub: HubEngine<MemoryHubStore>) {
        let birth = Birth(
            node: node, mall: "m", role: role, epoch: 1, sentAt: Self.now, cursors: [], software: "test",
            entryEncoding: entryEncoding)
        let result = hub.receive(
            topic: Topics.node(node, mall: "m", .birth), payload: codec.encode(.birth(birth)), now: Self.now)
        #expect(result.rejection == nil)
    }

    /// The payload of the parking batch a new reservation fans out.
    func reservationBatch(_ key: String, from hub: HubEngine<MemoryHubStore>) throws -> [UInt8] {
        let result = try hub.write(
            [
                .insert(
                    "reservations", key,
                    ["member_id": .text("m-1"), "plate": .text("沪A12345"), "status": .text("booked")])
            ], mall: "m", now: Self.now)
        let batches = result.outgoing.filter { $0.topic == Topics.channel(Self.parking) }
        try #require(batches.count == 1)
        return codec.encode(batches[0].message)
    }

    static func carriesBytes(_ payload: [UInt8]) -> Bool {
        String(decoding: payload, as: UTF8.self).contains(#""entryBytes""#)
    }

    @Test func aChannelGoesToBytesOnlyWhenEveryNodeOfItReadsThem() throws {
        var hub = try hub()
        #expect(!Self.carriesBytes(try reservationBatch("r-1", from: hub)))

        birth("gate-1", role: .gate, entryEncoding: Change.bytesEncoding, to: hub)
        // gate-2, also on the parking channel, has not been heard from.
        #expect(!Self.carriesBytes(try reservationBatch("r-2", from: hub)))

        // The lounge desk is not on the parking channel: it does not count.
        birth("gate-2", role: .gate, entryEncoding: Change.bytesEncoding, to: hub)
        #expect(hub.entryBytesChannels.contains(Self.parking))
        let bytes = try reservationBatch("r-3", from: hub)
        #expect(Self.carriesBytes(bytes))
        guard case .batch(let batch) = try codec.decode(bytes) else { throw Failure.notABatch }
        #expect(batch.entries.map(\.change.key) == ["r-3"])

        // The record survives a restart of the hub.
        hub = try self.hub()
        #expect(Self.carriesBytes(try reservationBatch("r-4", from: hub)))

        // gate-2 comes back as an older version: JSON again.
        birth("gate-2", role: .gate, entryEncoding: nil, to: hub)
        #expect(!Self.carriesBytes(try reservationBatch("r-5", from: hub)))
        // A value the hub does not know counts as JSON.
        birth("gate-2", role: .gate, entryEncoding: "bytes/9", to: hub)
        #expect(!Self.carriesBytes(try reservationBatch("r-6", from: hub)))
    }

    @Test func nodesApplyABytesBatchAsTheyApplyJSON() throws {
        let hub = try hub()
        let stores = [MemoryReplicaStore(schema: .mall), MemoryReplicaStore(schema: .mall)]
        let gates = try zip(["gate-1", "gate-2"], stores).map { id, store in
            try NodeEngine(configuration: .init(schema: .mall, node: id, mall: "m", role: .gate), store: store)
        }
        var now = Self.now
        var bytesBatches = 0
        /// Delivers every message through the codec, as a broker would route
        /// it, until none is left.
        func exchange(_ first: [Outgoing]) throws {
            var pending = first
            while !pending.isEmpty {
                let outgoing = pending.removeFirst()
                let payload = codec.encode(outgoing.message)
                if outgoing.topic.contains("/node/") && !outgoing.topic.hasSuffix("/down") {
                    pending += hub.receive(topic: outgoing.topic, payload: payload, now: now).outgoing
                    continue
                }
                if outgoing.topic == Topics.channel(Self.parking) && Self.carriesBytes(payload) { bytesBatches += 1 }
                for gate in gates
                where outgoing.topic == Topics.hubStatus
                    || outgoing.topic == Topics.channel(Self.parking)
                    || outgoing.topic == Topics.node(gate.configuration.node, mall: "m", .down)
                {
                    pending += try gate.receive(try codec.decode(payload), now: now)
                }
            }
        }
        try exchange([hub.status(now: now)])
        for gate in gates { try exchange(try gate.connectionChanged(up: true, now: now)) }
        for gate in gates {
            now += 1000
            try exchange(try gate.tick(now: now))
        }
        for index in 1...3 {
            now += 1000
            try exchange(
                try hub.write(
                    [
                        .insert(
                            "reservations", "r-\(index)",
                            ["member_id": .text("m-1"), "plate": .text("沪A1234\(index)"), "status": .text("booked")])
                    ], mall: "m", now: now
                ).outgoing)
        }
        #expect(bytesBatches == 3)
        for (gate, store) in zip(gates, stores) {
            #expect(gate.cursor(of: Self.parking) == hub.heads[Self.parking])
            #expect(try store.rows(in: Self.parking).map(\.key) == ["r-1", "r-2", "r-3"])
        }
    }

    enum Failure: Error { case notABatch }
}

import Simulation
import Testing

@testable import SyncCore

/// A node sends its changes as compact bytes (`changeBytes`, SPEC §7.1)
/// only to a hub whose status says it takes them, and JSON to any other:
/// the hub takes both, the same.
@Suite struct ChangeBytesUpstreamTests {
    let fleet = GateAndHub()
    var hub: HubEngine<MemoryHubStore> { fleet.hub }
    var node: NodeEngine<MemoryReplicaStore> { fleet.node }
    let codec = WireCodec(schema: .mall)

    /// Commits one passage and returns the `changes` payload the node sends for it.
    func passage(_ seq: Int, now: UInt64) throws -> [UInt8] {
        let sent = try fleet.passage(seq, now: now)
        try #require(sent.count == 1)
        return codec.encode(sent[0].message)
    }

    /// The hub takes `payload` and the node its answer.
    func deliver(_ payload: [UInt8], now: UInt64) throws {
        let result = hub.receive(topic: Topics.node("gate-1", mall: "m", .up), payload: payload, now: now)
        #expect(result.rejection == nil)
        #expect(result.accepted == 1)
        for message in result.outgoing { _ = try node.receive(message.message, now: now) }
    }

    static func carriesBytes(_ payload: [UInt8]) -> Bool {
        String(decoding: payload, as: UTF8.self).contains(#""changeBytes""#)
    }

    @Test func bytesGoOnlyToAHubThatSaysItTakesThem() throws {
        var now: UInt64 = 1_800_000_000_000
        _ = try node.connectionChanged(up: true, now: now)

        // Before any status: JSON.
        let first = try passage(1, now: now)
        #expect(!Self.carriesBytes(first))
        try deliver(first, now: now)

        // The hub's status offers bytes: the next changes go as bytes.
        guard case .hubStatus(let status) = hub.status(now: now).message else { Issue.record("no status"); return }
        #expect(status.changeEncoding == Change.bytesEncoding)
        now += 1000
        _ = try node.receive(.hubStatus(status), now: now)
        let second = try passage(2, now: now)
        #expect(Self.carriesBytes(second))
        try deliver(second, now: now)

        // An older hub's status (no changeEncoding): JSON again.
        var older = status
        older.changeEncoding = nil
        now += 1000
        _ = try node.receive(.hubStatus(older), now: now)
        let third = try passage(3, now: now)
        #expect(!Self.carriesBytes(third))
        try deliver(third, now: now)
        #expect(node.outboxStatus.depth == 0)
    }
}

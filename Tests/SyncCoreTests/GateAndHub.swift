import Simulation

@testable import SyncCore

/// A hub and its one gate, gate-1 of mall `m`, both in memory: for tests
/// of what the gate sends up and how the hub takes it.
struct GateAndHub {
    let hub = try! HubEngine(
        configuration: .init(schema: .mall, fleet: ["gate-1": .init(mall: "m", role: .gate)]),
        store: MemoryHubStore(schema: .mall))
    let node = try! NodeEngine(
        configuration: .init(schema: .mall, node: "gate-1", mall: "m", role: .gate),
        store: MemoryReplicaStore(schema: .mall))

    /// Commits passage `number` at the gate and returns what the gate sends for it.
    func passage(_ number: Int, now: UInt64) throws -> [Outgoing] {
        try node.commit(
            [.insert("gate_passages", "gp-gate-1-bench-\(number)", ["lane": .text("north"), "at": .int(Int64(now))])],
            now: now)
        return try node.tick(now: now).filter { $0.message.type == "changes" }
    }
}

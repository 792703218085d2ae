import Foundation
import MallDomain
import Storage
import SyncCore

/// A gate that was offline while the hub logged many changes catches up,
/// shared by `mall-bench catch-up` and the benchmark suite: the hub's engine
/// and store and the node's, on real SQLite files, with every message
/// through the wire codec as it would travel, but handed over in process (no
/// broker, so the figure is the engines', the codec's, SQLite's and the
/// protocol's waits, which run on the machine's clock).
public final class CatchUpRun {
    static let mall = "mall-bench"
    static let node: NodeID = "gate-1"
    static let parking = Channel(mall: mall, kind: .parking)

    public let changes: Int
    /// How long the hub took to log the changes (in batches of 1,000).
    public let logged: Duration
    private var link: Link

    /// The node joins while the channel is empty and goes away; the hub
    /// logs `changes` reservations meanwhile (stores under `base`).
    public init(changes: Int, base: String) throws {
        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: [Self.node: .init(mall: Self.mall, role: .gate)]),
            store: try SQLiteHubStore(path: "\(base)/hub.sqlite", schema: .mall))
        let node = try NodeEngine(
            configuration: .init(schema: .mall, node: Self.node, mall: Self.mall, role: .gate),
            store: try SQLiteReplica(path: "\(base)/node.sqlite", schema: .mall))
        var link = Link(hub: hub, node: node, codec: WireCodec(schema: .mall))
        try link.deliver(try node.connectionChanged(up: true, now: link.now))
        try link.deliver([hub.status(now: link.now)])
        try link.settle { node.cursor(of: Self.parking) == 0 }
        guard node.cursor(of: Self.parking) == 0 else {
            throw BenchmarkFailure("the node did not join: \(node.describeSync(of: Self.parking))")
        }
        _ = try node.connectionChanged(up: false, now: link.now)
        var plates = SyntheticPlates(seed: 1)
        let logging = ContinuousClock.now
        for first in stride(from: 0, to: changes, by: 1000) {
            let writes = (first..<min(first + 1000, changes)).map { index in
                LocalWrite.insert(
                    "reservations", "r-\(index)",
                    [
                        "member_id": .text("m-\(index % 50_000)"), "plate": .text(plates.plate()), "zone": .text("B2"),
                        "window_start": .int(Int64(link.now) - 3_600_000),
                        "window_end": .int(Int64(link.now) + 30 * 86_400_000), "status": .text("booked"),
                    ])
            }
            // Its live batches do not reach the node: it is away.
            _ = try hub.write(writes, mall: Self.mall, now: link.now)
        }
        logged = ContinuousClock.now - logging
        self.changes = changes
        self.link = link
    }

    /// The node comes back and hears the hub's head: how long until its
    /// cursor reaches it, of which how long the node waited before its
    /// first resend, and how many messages that took.
    public func catchUp() throws -> (duration: Duration, waited: Duration, messages: Int) {
        let (hub, node) = (link.hub, link.node)
        let started = ContinuousClock.now
        link.firstResend = nil
        try link.deliver(try node.connectionChanged(up: true, now: link.now))
        try link.deliver([hub.status(now: link.now)])
        try link.settle { node.cursor(of: Self.parking) == hub.heads[Self.parking] }
        let caughtUp = ContinuousClock.now - started
        guard node.cursor(of: Self.parking) == hub.heads[Self.parking], let firstResend = link.firstResend else {
            throw BenchmarkFailure("the node did not catch up: \(node.describeSync(of: Self.parking))")
        }
        return (caughtUp, firstResend - started, link.delivered)
    }
}

/// Hands messages between one hub and one node until neither has more to
/// say, each encoded and decoded by the wire codec on the way, on the
/// machine's clock: the node's timers wait in real time, as they do in a
/// running node, so that a delay in the protocol shows in the figure.
struct Link {
    let hub: HubEngine<SQLiteHubStore>
    let node: NodeEngine<SQLiteReplica>
    let codec: WireCodec
    var delivered = 0
    /// When the node's first resend request reached the hub.
    var firstResend: ContinuousClock.Instant?
    /// The node's sync loop runs its timer this often (`NodeSyncService`).
    static let tick = Duration.milliseconds(50)

    var now: UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    /// Runs the node's timer every `tick` (a catch-up starts a moment after
    /// the node learns it is behind) until `done`, for at most two minutes.
    mutating func settle(until done: () -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while !done(), ContinuousClock.now < deadline {
            try deliver(try node.tick(now: now))
            if !done() { Thread.sleep(forTimeInterval: Self.tick.asSeconds) }
        }
    }

    mutating func deliver(_ outgoing: [Outgoing]) throws {
        var queue = outgoing[...]
        while let next = queue.popFirst() {
            delivered += 1
            let payload = codec.encode(next.message)
            if case .resend = next.message, firstResend == nil { firstResend = .now }
            if next.topic.hasSuffix("/up") || next.topic.hasSuffix("/birth") || next.topic.hasSuffix("/death") {
                let result = hub.receive(topic: next.topic, payload: payload, now: now)
                if let problem = result.rejection ?? result.storeFailure.map({ WireError(.invalid, $0) }) {
                    throw BenchmarkFailure("the hub refused \(next.message.type): \(problem)")
                }
                queue.append(contentsOf: result.outgoing)
            } else {
                queue.append(contentsOf: try node.receive(try codec.decode(payload), now: now))
            }
        }
    }
}

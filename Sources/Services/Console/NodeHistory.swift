/// Each node's recent sync state, sampled at a fixed interval, for the
/// console's charts: a ring of the last `capacity` samples per node.
struct NodeHistory {
    struct Sample: Codable, Sendable {
        /// Milliseconds since 1970.
        var at: UInt64
        var online: Bool
        var outboxDepth: Int
        /// Changes the node is behind, summed over its channels.
        var lag: UInt64
        /// Changes from the node the hub accepted since the previous sample.
        var changes: Int
    }

    let capacity: Int
    private var samples: [String: [Sample]] = [:]
    private var acceptedSinceSample: [String: Int] = [:]

    init(capacity: Int) {
        self.capacity = capacity
    }

    mutating func accepted(_ count: Int, from node: String) {
        acceptedSinceSample[node, default: 0] += count
    }

    mutating func record(_ fleet: FleetState, at now: UInt64) {
        for node in fleet.nodes {
            var ring = samples[node.node] ?? []
            ring.append(
                Sample(
                    at: now, online: node.online, outboxDepth: node.outboxDepth ?? 0,
                    lag: node.behind.reduce(0) { $0 + ($1.head > $1.cursor ? $1.head - $1.cursor : 0) },
                    changes: acceptedSinceSample[node.node] ?? 0))
            if ring.count > capacity { ring.removeFirst(ring.count - capacity) }
            samples[node.node] = ring
        }
        acceptedSinceSample = [:]
    }

    func samples(of node: String) -> [Sample] { samples[node] ?? [] }
}

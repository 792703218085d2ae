import Storage

/// Each node's recent sync state, sampled at a fixed interval, for the
/// console's charts: a ring of the last `capacity` samples per node. The
/// hub saves each round of samples in its database and restores the rings
/// from it when it starts.
struct NodeHistory {
    let capacity: Int
    private var samples: [String: [HistorySample]] = [:]
    private var acceptedSinceSample: [String: Int] = [:]

    /// `saved`: samples from the database, oldest first.
    init(capacity: Int, saved: [HistorySample] = []) {
        self.capacity = capacity
        for sample in saved { append(sample) }
    }

    mutating func accepted(_ count: Int, from node: String) {
        acceptedSinceSample[node, default: 0] += count
    }

    /// Takes one sample per node; returns them, for saving.
    mutating func record(_ fleet: FleetState, at now: UInt64) -> [HistorySample] {
        let round = fleet.nodes.map { node in
            HistorySample(
                node: node.node, at: now, online: node.online, outboxDepth: node.outboxDepth ?? 0,
                lag: node.changesBehind,
                changes: acceptedSinceSample[node.node] ?? 0)
        }
        for sample in round { append(sample) }
        acceptedSinceSample = [:]
        return round
    }

    private mutating func append(_ sample: HistorySample) {
        var ring = samples[sample.node] ?? []
        ring.append(sample)
        if ring.count > capacity { ring.removeFirst(ring.count - capacity) }
        samples[sample.node] = ring
    }

    func samples(of node: String) -> [HistorySample] { samples[node] ?? [] }
}

public import SyncCore

/// What each replica of a finished run holds, as the replica digest
/// (SPEC §12.4) counts it: a test hands these to an implementation written
/// from the spec alone, which must reproduce every digest.
extension World {
    public struct ReplicaState: Sendable {
        /// `hub` or the node's id.
        public var replica: String
        public var channel: Channel
        /// The floor the replica's digest is taken at (§12.4).
        public var floor: UInt64
        public var rows: [SnapshotRow]
    }

    /// The hub's rows and every node's, per channel the node replicates.
    public func replicaStates() -> [ReplicaState] {
        var states: [ReplicaState] = []
        let channels = Set(nodes.compactMap { $0.engine?.configuration.channels }.joined()).sorted()
        for channel in channels {
            states.append(
                ReplicaState(
                    replica: "hub", channel: channel, floor: hub.engine?.floors[channel] ?? 0,
                    rows: (try? hub.store.rows(in: channel)) ?? []))
        }
        for node in nodes {
            for channel in node.engine?.configuration.channels ?? [] {
                states.append(
                    ReplicaState(
                        replica: node.id, channel: channel, floor: (try? node.store.collectedFloor(of: channel)) ?? 0,
                        rows: (try? node.store.rows(in: channel)) ?? []))
            }
        }
        return states
    }
}

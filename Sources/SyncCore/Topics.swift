/// The MQTT topic layout of protocol v1.
///
/// ```
/// malledge/v1/{mall}/node/{node}/birth   node → hub   birth
/// malledge/v1/{mall}/node/{node}/death   broker → hub the node's last will
/// malledge/v1/{mall}/node/{node}/up      node → hub   changes, heartbeat, resend, snapshot-request
/// malledge/v1/{mall}/node/{node}/down    hub → node   ack, batch (catch-up), snapshot, control
/// malledge/v1/{mall}/channel/{kind}      hub → nodes  batch (live stream)
/// malledge/v1/hub/status                 hub → all    hub-status, retained; last will says offline
/// ```
/// A node publishes only under its own `node/{node}/` prefix, which lets the
/// broker's ACL pin it with a `%u` pattern.
public enum Topics {
    public static let root = "malledge/v1"
    public static let hubStatus = "\(root)/hub/status"

    public enum NodeTopic: String, Sendable, CaseIterable { case birth, death, up, down }

    public static func node(_ node: NodeID, mall: String, _ kind: NodeTopic) -> String {
        "\(root)/\(mall)/node/\(node)/\(kind.rawValue)"
    }

    public static func channel(_ channel: Channel) -> String {
        "\(root)/\(channel.mall)/channel/\(channel.kind.rawValue)"
    }

    /// The subscriptions of the hub for every node of every mall.
    public static let hubSubscriptions = NodeTopic.allCases.filter { $0 != .down }.map {
        "\(root)/+/node/+/\($0.rawValue)"
    }

    /// The subscriptions of a node: its channels' live streams, its own
    /// `down` topic, and the hub's status.
    public static func nodeSubscriptions(_ node: NodeID, mall: String, channels: [Channel]) -> [String] {
        channels.map(channel) + [Self.node(node, mall: mall, .down), hubStatus]
    }

    /// What a topic names, when it is one of the node topics.
    public struct Parsed: Hashable, Sendable {
        public var mall: String
        public var node: NodeID
        public var kind: NodeTopic
    }

    public static func parseNodeTopic(_ topic: String) -> Parsed? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "malledge", parts[1] == "v1", parts[3] == "node",
            Identifier.isValid(parts[2]), Identifier.isValid(parts[4]),
            let kind = NodeTopic(rawValue: parts[5])
        else { return nil }
        return Parsed(mall: parts[2], node: parts[4], kind: kind)
    }
}

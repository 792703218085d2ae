import ArgumentParser

/// `mall-node`: the MallEdge process on an edge device (parking gate
/// controller, lounge desk PC, gift counter PC).
@main
struct MallNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mall-node",
        abstract: "Run a MallEdge edge node: local decisions on a SQLite replica, synced with the hub over MQTT.",
        subcommands: [Run.self, CheckConfig.self, Digest.self],
        defaultSubcommand: Run.self)
}

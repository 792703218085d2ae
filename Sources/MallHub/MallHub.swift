import ArgumentParser

/// `mall-hub`: the MallEdge central process that orders, merges and fans out
/// the fleet's changes.
@main
struct MallHub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mall-hub",
        abstract: "Run the MallEdge hub: ingest the fleet's changes over MQTT, order, merge and fan them out.",
        subcommands: [
            Run.self, CheckConfig.self, Backup.self, Restore.self, Digest.self, Status.self, Conflicts.self, Gift.self,
            Staff.self,
            Import.self,
            HashPassword.self,
        ],
        defaultSubcommand: Run.self)
}

import ArgumentParser
import CommandSupport
import DeviceConfig
import Foundation
import Hummingbird
import Logging
import MallDomain
import MosquittoTransport
import Services
import Storage
import SyncCore

extension MallNode {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Start the node: open the replica, serve the local API, sync with the hub until SIGTERM or SIGINT.")

        @Option(name: .shortAndLong, help: "The device's TOML configuration file (see firmware-config/README.md).")
        var config: String

        @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
        var logLevel: Logger.Level = .info

        func run() async throws {
            let settings = try loadOrExit(tool: "mall-node") { try NodeSettings.load(path: config) }
            bootstrapLogging(level: logLevel)
            var logger = Logger(label: "mall-node")
            logger[metadataKey: "node"] = "\(settings.node)"
            try FileManager.default.createDirectory(atPath: settings.dataDirectory, withIntermediateDirectories: true)

            let lock = try holdStoreOrExit(tool: "mall-node", path: settings.replicaPath)
            let engineConfiguration = NodeCoordinator.Engine.Configuration(
                schema: .mall, node: settings.node, mall: settings.mall, role: settings.role, software: "mall-node/1",
                upstream: settings.upstream, downstream: settings.downstream,
                heartbeatIntervalMillis: settings.heartbeatIntervalMillis,
                keepAcknowledgedMillis: settings.keepAcknowledgedMillis)
            let (coordinator, sync) = try Wiring.node(
                configuration: engineConfiguration, replicaPath: settings.replicaPath,
                clock: WallClock(offsetMillis: settings.clockOffsetMillis),
                policies: EdgePolicies(
                    gate: settings.gate, gifts: settings.gifts, lounge: settings.lounge,
                    deviceTokens: settings.deviceTokens),
                clientID: settings.broker.clientID, logger: logger
            ) { session in
                try MosquittoClient(session: session, options: settings.broker.options, logger: logger)
            }
            let watch = DurabilityWatch(
                groupCommit: coordinator.groupCommit, store: settings.replicaPath, logger: logger)
            let app = Application(
                router: NodeAPI.router(coordinator: coordinator),
                configuration: .init(address: .hostname(settings.api.host, port: settings.api.port)),
                services: [sync, watch], logger: logger)
            logger.info(
                "node starting",
                metadata: [
                    "node.role": "\(settings.role.rawValue)", "node.api": "\(settings.api)",
                    "mqtt.broker": "\(settings.broker.options.host):\(settings.broker.options.port)",
                ])
            try await app.runService()
            withExtendedLifetime(lock) {}
        }
    }

    struct CheckConfig: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-config", abstract: "Validate a node configuration file without starting anything.")

        @Argument(help: "The TOML file to check.")
        var file: String

        func run() throws {
            let settings = try loadOrExit(tool: "mall-node") { try NodeSettings.load(path: file) }
            print(
                "\(file): ok — node \(settings.node) (\(settings.role.rawValue)) of mall \(settings.mall), "
                    + "broker \(settings.broker.options.host):\(settings.broker.options.port), api \(settings.api)")
        }
    }

    struct Digest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print the replica digest (SPEC §12.4) of each channel this node replicates: equal digests, equal merge state."
        )

        @Option(name: .shortAndLong, help: "The device's TOML configuration file.")
        var config: String

        func run() throws {
            let settings = try loadOrExit(tool: "mall-node") { try NodeSettings.load(path: config) }
            let digests = try ReplicaDigests.read(
                path: settings.replicaPath, schema: .mall, role: settings.role, mall: settings.mall,
                now: WallClock(offsetMillis: settings.clockOffsetMillis).now())
            for (channel, digest) in digests {
                print("\(channel) \(digest)")
            }
        }
    }
}

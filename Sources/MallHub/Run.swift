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

extension MallHub {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the hub: open its store, serve its HTTP API, sync the fleet until SIGTERM or SIGINT.")

        @Option(name: .shortAndLong, help: "The hub's TOML configuration file (see firmware-config/README.md).")
        var config: String

        @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
        var logLevel: Logger.Level = .info

        func run() async throws {
            let settings = try loadOrExit(tool: "mall-hub") { try HubSettings.load(path: config) }
            bootstrapLogging(level: logLevel)
            let logger = Logger(label: "mall-hub")
            try FileManager.default.createDirectory(atPath: settings.dataDirectory, withIntermediateDirectories: true)

            let lock = try holdStoreOrExit(tool: "mall-hub", path: settings.storePath)
            let fleet = Dictionary(
                uniqueKeysWithValues: settings.fleet.map {
                    ($0.node, HubCoordinator.Engine.FleetMember(mall: $0.mall, role: $0.role))
                })
            let engineConfiguration = HubCoordinator.Engine.Configuration(
                schema: .mall, fleet: fleet, hubID: settings.hub, maxSkewMillis: settings.maxSkewMillis,
                statusIntervalMillis: settings.statusIntervalMillis, gcHorizonMillis: settings.gcHorizonMillis)
            let (hub, sync) = try Wiring.hub(
                configuration: engineConfiguration, storePath: settings.storePath, clock: WallClock(),
                policies: HubPolicies(
                    adminTokens: settings.adminTokens, giftKeyDirectory: settings.giftKeyDirectory,
                    maxCodeLifetimeMillis: settings.maxGiftCodeLifetimeMillis, scalpers: settings.scalpers,
                    operators: settings.operators, historyIntervalMillis: settings.historyIntervalMillis,
                    historyMillis: settings.historyMillis),
                metrics: HubMetrics(), clientID: settings.broker.clientID, logger: logger
            ) { session in
                try MosquittoClient(session: session, options: settings.broker.options, logger: logger)
            }
            let watch = DurabilityWatch(
                groupCommit: hub.coordinator.groupCommit, store: settings.storePath, logger: logger)
            let app = Application(
                router: HubAPI.router(hub: hub),
                configuration: .init(address: .hostname(settings.http.host, port: settings.http.port)),
                services: [sync, watch], logger: logger)
            logger.info(
                "hub starting",
                metadata: [
                    "hub.http": "\(settings.http)", "hub.fleet": "\(settings.fleet.count)",
                    "mqtt.broker": "\(settings.broker.options.host):\(settings.broker.options.port)",
                ])
            try await app.runService()
            withExtendedLifetime(lock) {}
        }
    }

    struct CheckConfig: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-config", abstract: "Validate a hub configuration file without starting anything.")

        @Argument(help: "The TOML file to check.")
        var file: String

        func run() throws {
            let settings = try loadOrExit(tool: "mall-hub") { try HubSettings.load(path: file) }
            print("\(file): ok — hub \(settings.hub), \(settings.fleet.count) nodes, http \(settings.http)")
        }
    }

    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the hub's store into a new file while the hub runs (SQLite's online backup), and check it.")

        @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
        var config: String

        @Option(name: .long, help: "The new file to write; an existing file is never overwritten.")
        var to: String

        func run() throws {
            let settings = try loadOrExit(tool: "mall-hub") { try HubSettings.load(path: config) }
            do {
                let backup = try HubBackup.take(from: settings.storePath, to: to)
                print(
                    "backed up \(backup.bytes) bytes (log position \(backup.logPosition)) to \(to) in "
                        + "\(String(format: "%.2f", backup.seconds)) s; integrity ok")
            } catch {
                FileHandle.standardError.write(Data("mall-hub: backup failed: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a backup in place of the hub's store while the hub is stopped; the hub then recovers from "
                + "its nodes what it acknowledged since the backup.")

        @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
        var config: String

        @Option(name: .long, help: "The backup to restore (left as it is).")
        var from: String

        func run() throws {
            let settings = try loadOrExit(tool: "mall-hub") { try HubSettings.load(path: config) }
            do {
                let (backup, keptAs) = try HubBackup.restore(from, to: settings.storePath)
                print(
                    "restored \(backup.bytes) bytes (log position \(backup.logPosition)) from \(from) to "
                        + "\(settings.storePath)" + (keptAs.map { "; the replaced store is kept as \($0)" } ?? ""))
                print(
                    "start the hub: it begins a new log history, and its nodes send again what they kept since the "
                        + "backup")
            } catch let error as StorageError where error.code == .inUse {
                FileHandle.standardError.write(Data("mall-hub: restore refused: stop the hub first (\(error))\n".utf8))
                throw ExitCode(75)
            } catch {
                FileHandle.standardError.write(Data("mall-hub: restore failed: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Digest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print the replica digest (SPEC §12.4) of each channel the fleet replicates: equal digests, equal merge state."
        )

        @Option(name: .shortAndLong, help: "The hub's TOML configuration file.")
        var config: String

        func run() throws {
            let settings = try loadOrExit(tool: "mall-hub") { try HubSettings.load(path: config) }
            let fleet = settings.fleet.map { (mall: $0.mall, role: $0.role) }
            for (channel, digest) in try ReplicaDigests.readHub(
                path: settings.storePath, schema: .mall, fleet: fleet, now: WallClock().now())
            {
                print("\(channel) \(digest)")
            }
        }
    }
}

import ArgumentParser
import CommandSupport
import DeviceConfig
import Foundation
import Services

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension MallHub {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the fleet table of a running hub (asks its HTTP API).")

        @Option(name: .shortAndLong, help: "The hub's TOML configuration file (for its HTTP address).")
        var config: String

        func run() async throws {
            let settings = try loadOrExit(tool: "mall-hub") { try HubSettings.load(path: config) }
            let url = URL(string: "http://\(settings.http)/v1/fleet")!
            let data: Data
            do {
                (data, _) = try await URLSession.shared.data(from: url)
            } catch {
                FileHandle.standardError.write(Data("mall-hub: no hub answers at \(url)\n".utf8))
                throw ExitCode(69)
            }
            let fleet = try JSONDecoder().decode(FleetState.self, from: data)
            print(FleetTable.render(fleet))
        }
    }
}

/// The fleet as a terminal table: problems first.
enum FleetTable {
    static func render(_ fleet: FleetState) -> String {
        let header = ["NODE", "ROLE", "STATE", "LAST SEEN", "OUTBOX", "OLDEST", "BEHIND", "SKEW"]
        let problemsFirst = fleet.nodes.sorted { ($0.online ? 1 : 0, $0.node) < ($1.online ? 1 : 0, $1.node) }
        let rows: [[String]] = problemsFirst.map(row)
        let table: [[String]] = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in table {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        let lines = table.map { row in
            zip(row, widths).map { cell, width in cell.padding(toLength: width, withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        let summary =
            "hub epoch \(fleet.hubEpoch), log seq \(fleet.hubSeq), broker \(fleet.connected ? "connected" : "DISCONNECTED"), "
            + "\(fleet.accepted) changes accepted, \(fleet.rejections.values.reduce(0, +)) messages refused"
        return ([summary] + lines).joined(separator: "\n")
    }

    private static func row(_ node: FleetState.Node) -> [String] {
        let behind: UInt64 = node.behind.reduce(0) { total, lag in
            total + (lag.head > lag.cursor ? lag.head - lag.cursor : 0)
        }
        let skew: String = node.skewMillis.map { "\($0) ms" + (node.skewFlagged ? " !" : "") } ?? "-"
        let lastSeen: String = node.lastSeenAgoMillis.map(seconds) ?? "never"
        let oldest: String = node.oldestUnsyncedAgeMillis.map(seconds) ?? "-"
        let outbox: String = node.outboxDepth.map { String($0) } ?? "-"
        return [
            node.node, node.role, node.online ? "online" : "OFFLINE", lastSeen, outbox, oldest, String(behind), skew,
        ]
    }

    private static func seconds(_ millis: UInt64) -> String {
        String(format: "%.1f s", Double(millis) / 1000)
    }
}

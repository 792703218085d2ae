import ArgumentParser
import Foundation
import Services

extension MallHub {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the fleet table of a running hub: what its console shows, from the same state.")

        @Option(name: .shortAndLong, help: "The hub's TOML configuration file (its HTTP address and admin token).")
        var config: String
        @Flag(help: "Only nodes with a problem (offline, stale, behind, unsynced, skewed), as the console's filter.")
        var problems = false
        @Option(help: "Only this mall's nodes.")
        var mall: String?

        func run() async throws {
            let answer = try await adminCall(config) {
                try await $0.request("GET", "/v1/admin/fleet", body: nil, contentType: "application/json")
            }
            let data = try JSONSerialization.data(withJSONObject: answer)
            let state = try JSONDecoder().decode(ConsoleState.self, from: data)
            print(
                FleetTable.render(state) { node in
                    (!problems || state.problems[node.node] != nil)
                        && (mall == nil || node.mall == mall)
                })
        }
    }
}

/// The fleet as a terminal table, as the console shows it: its summary line
/// (always the whole fleet's), then the nodes `shown` keeps, problems first
/// (offline, then other trouble), each with why.
enum FleetTable {
    static func render(_ state: ConsoleState, shown: (FleetState.Node) -> Bool = { _ in true }) -> String {
        let header = ["NODE", "MALL", "ROLE", "STATE", "LAST SEEN", "OUTBOX", "OLDEST", "BEHIND", "SKEW", "PROBLEMS"]
        func rank(_ node: FleetState.Node) -> Int { !node.online ? 0 : state.problems[node.node] != nil ? 1 : 2 }
        let rows = state.fleet.nodes.filter(shown).sorted { (rank($0), $0.node) < (rank($1), $1.node) }.map {
            row($0, problems: state.problems[$0.node] ?? [])
        }
        let fleet = state.fleet
        let hub =
            "hub epoch \(fleet.hubEpoch), log seq \(fleet.hubSeq), broker \(fleet.connected ? "connected" : "DISCONNECTED"), "
            + "\(fleet.accepted) changes accepted, \(fleet.rejections.values.reduce(0, +)) messages refused"
        return [state.summary, hub, TextTable.render(header: header, rows: rows)].joined(separator: "\n")
    }

    private static func row(_ node: FleetState.Node, problems: [String]) -> [String] {
        let behind = node.changesBehind
        let skew: String = node.skewMillis.map { "\($0) ms" + (node.skewFlagged ? " !" : "") } ?? "-"
        let lastSeen: String = node.lastSeenAgoMillis.map(seconds) ?? "never"
        let oldest: String = node.oldestUnsyncedAgeMillis.map(seconds) ?? "-"
        let outbox: String = node.outboxDepth.map { String($0) } ?? "-"
        return [
            node.node, node.mall, node.role, node.online ? "online" : "OFFLINE", lastSeen, outbox, oldest,
            String(behind), skew, problems.joined(separator: ", "),
        ]
    }

    private static func seconds(_ millis: UInt64) -> String {
        String(format: "%.1f s", Double(millis) / 1000)
    }
}

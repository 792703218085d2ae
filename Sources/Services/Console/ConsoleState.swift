import MallDomain
import Storage
import SyncCore

/// What the console shows at a glance and pushes live.
public struct ConsoleState: Codable, Sendable {
    public var fleet: FleetState
    /// Nodes in a stale or risk state, with why, by node id.
    public var problems: [String: [String]]
    public var openConflicts: Int
    /// Changes whenever a conflict is recorded or settled, so the page knows
    /// to read the ledger again (the open count alone can stay the same).
    public var ledgerVersion: String
    /// The one-line count the console heads its table with and `mall-hub
    /// status` prints first: made here once, so the two always agree.
    public var summary: String

    init(fleet: FleetState, problems: [String: [String]], conflicts: [ConflictEntry]) {
        self.fleet = fleet
        self.problems = problems
        openConflicts = conflicts.filter { $0.status == "open" }.count
        ledgerVersion = "\(conflicts.count)/\(conflicts.count - openConflicts)"
        let offline = fleet.nodes.filter { !$0.online }.count
        summary =
            "\(fleet.nodes.count - offline) online, \(offline) offline, \(problems.count) with problems, "
            + "\(openConflicts) conflicts open"
    }
}

extension HubCoordinator {
    public func consoleState() throws -> ConsoleState {
        let fleet = fleet()
        var problems: [String: [String]] = [:]
        for node in fleet.nodes {
            var why: [String] = []
            if !node.online { why.append("offline") }
            // Online but silent: a hung process keeps its broker session (and so no will).
            if node.online, let ago = node.lastSeenAgoMillis, ago > 10_000 {
                why.append("stale: silent for \(ago / 1000) s")
            }
            if node.skewFlagged { why.append("clock skew") }
            if let age = node.oldestUnsyncedAgeMillis, age > 60_000 {
                why.append("decisions unsynced for \(age / 60_000) min")
            }
            let lag = node.changesBehind
            if lag > 100 { why.append("\(lag) changes behind") }
            if !why.isEmpty { problems[node.node] = why }
        }
        return ConsoleState(fleet: fleet, problems: problems, conflicts: try conflicts())
    }
}

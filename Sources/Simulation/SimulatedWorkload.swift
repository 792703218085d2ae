import MallDomain
public import SyncCore

/// What the simulated fleet runs: a schema, the roles of its nodes (taken
/// in turn) and their activity. The mall's day (`World+Activity`) is what
/// MallEdge ships; the library (`World+Library`) is a made-up schema with
/// its own tables, roles and channels, run through the same engines, stores
/// and checks to show the sync core knows nothing of malls.
public enum SimulatedWorkload: String, Sendable, CaseIterable {
    case mall, library

    public var schema: SyncSchema {
        switch self {
        case .mall: .mall
        case .library: .library
        }
    }

    var nodeRoles: [Role] {
        switch self {
        case .mall: [.gate, .gift, .lounge]
        case .library: [.desk, .kiosk]
        }
    }
}

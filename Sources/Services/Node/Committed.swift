import SyncCore

/// A decision taken and committed in one actor turn of `NodeCoordinator`,
/// not yet known to be on disk: what its caller is told once it is
/// (`NodeCoordinator.durable`), and the changes and name of its decision line.
struct Committed<Outcome: Sendable>: Sendable {
    var outcome: Outcome
    var changes: [Change]
    var decision: String
}

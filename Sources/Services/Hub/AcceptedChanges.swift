public import SyncCore

/// What one message from a node added: the components fed by the hub's
/// accepted changes (node history, scalper watch) take it from here.
public struct AcceptedChanges: Sendable {
    public var origin: NodeID
    /// Changes new to the hub (the batch may hold duplicates beside them).
    public var count: Int
    /// The message's changes as the node sent them.
    public var changes: [Change]
}

/// A component fed the changes the hub accepts, in the order it accepted
/// them, after their commit.
public protocol AcceptedChangesObserver: Sendable {
    func accepted(_ changes: AcceptedChanges) async
}

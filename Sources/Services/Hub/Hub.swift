/// A hub's parts, put together by `Wiring.hub`: the coordinator around the
/// sync engine, and the components of the features around it, each with its
/// own isolation. The ones fed by accepted changes get them from the sync
/// loop in the order the hub accepted them.
public struct Hub: Sendable {
    public let coordinator: HubCoordinator
    public let console: ConsoleSessions
    public let history: FleetHistory
    public let gifts: GiftIssuer
    public let imports: RowImporter
    public let scalpers: ScalperWatcher

    /// Fed every change the hub accepts, after its commit.
    var observers: [any AcceptedChangesObserver] { [history, scalpers] }
}

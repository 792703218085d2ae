public import Logging
public import ServiceLifecycle
public import Storage

/// Stops the process when its store can no longer sync its WAL, so that
/// its supervisor (systemd's `Restart=always`, deploy/systemd) starts it
/// again and SQLite recovers the store as it opens it.
///
/// Until then every decision would be answered 503 and the process would
/// look alive: a gate that refuses every car while its health says `ok`.
/// Ending it is the one way back, as PostgreSQL does after a failed
/// `fsync`; the callers that waited meanwhile were told 503 and nothing
/// they asked for was acknowledged.
public struct DurabilityWatch: Service {
    let groupCommit: GroupCommit
    let store: String
    let logger: Logger

    /// - Parameter store: what the process calls the store, for the log.
    public init(groupCommit: GroupCommit, store: String, logger: Logger) {
        self.groupCommit = groupCommit
        self.store = store
        self.logger = logger
    }

    /// Returns at a graceful shutdown; throws the sync's error (which ends
    /// the service group, and with it the process) once one fails.
    public func run() async throws {
        let groupCommit = self.groupCommit
        guard let failure = await cancelWhenGracefulShutdown({ await groupCommit.failed() }) else { return }
        logger.critical(
            "stopping: the store's sync failed, so its state on disk is unknown; a restart recovers it",
            metadata: ["store": "\(store)", "store.error": "\(failure)"])
        throw failure
    }
}

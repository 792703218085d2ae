import Hummingbird
import Storage

/// What `GET /v1/health` says of a process's store.
enum StoreHealth {
    /// A 503 naming the failed sync, from the failure until
    /// `DurabilityWatch` ends the process: a probe sees that nothing this
    /// process is asked to decide can be made durable.
    static func requireDurable(_ groupCommit: GroupCommit) throws(HTTPError) {
        guard let failure = groupCommit.failure else { return }
        throw HTTPError(
            .serviceUnavailable, message: "failing: \(failure); the process stops, and a restart recovers its store")
    }
}

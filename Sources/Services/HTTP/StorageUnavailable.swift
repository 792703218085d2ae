import Logging
import Storage
import Synchronization

/// A request that failed in this process's storage (a full disk, a
/// read-only file system, an I/O error): nothing was committed. `APIHygiene`
/// answers it 503 with `action`, the cause and `hint`, and logs the cause
/// once, not once per request.
struct StorageUnavailable: Error {
    /// What did not happen: "not decided", "not committed".
    var action: String
    /// What the caller should do meanwhile: "ask staff".
    var hint: String
    var underlying: any Error
}

/// Logs a storage failure when its cause first appears (or changes), and
/// once when writes succeed again, so a full disk is one log line with its
/// cause, not one per scan.
final class StorageHealthLog: Sendable {
    private let failing = Mutex<String?>(nil)
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func failed(_ cause: String, path: String, error: any Error) {
        let isNew = failing.withLock { current in
            defer { current = cause }
            return current != cause
        }
        guard isNew else { return }
        logger.error(
            "storage failing: requests answer 503 until it recovers",
            metadata: ["storage.cause": "\(cause)", "http.path": "\(path)", "storage.error": "\(error)"])
    }

    /// A state-changing request succeeded: writes work again.
    func succeeded() {
        guard
            let cause = failing.withLock({ current in
                defer { current = nil }; return current
            })
        else { return }
        logger.notice("storage recovered", metadata: ["storage.cause": "\(cause)"])
    }
}

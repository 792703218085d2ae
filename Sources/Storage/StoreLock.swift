import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive lock on a store for the life of the process that holds it
/// (`flock` on `<store>.lock`, released by the kernel when the process
/// ends, however it ends). A second hub or node started on the same file,
/// or a restore while the hub runs, is refused instead of corrupting it.
public final class StoreLock: Sendable {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock of the store at `storePath`, or throws at once if
    /// another process holds it.
    public init(storePath: String) throws {
        path = storePath + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StorageError(.durability, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = busy ? "another process is using \(storePath)" : String(cString: strerror(errno))
            close(descriptor)
            throw StorageError(busy ? .inUse : .durability, "\(reason) (lock \(path))")
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

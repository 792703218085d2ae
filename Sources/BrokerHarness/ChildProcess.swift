public import Foundation

/// A process a test started, by `posix_spawn`, and waits for with `waitpid`.
///
/// Foundation's `Process.waitUntilExit` depends on a run loop noticing the
/// child's exit and was seen to hang forever inside Swift Testing on Linux,
/// so the harness manages its children directly.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    /// Starts `executable` with `arguments`; output goes to `outputFile` (appended)
    /// or nowhere. `environment` entries are added to this process's environment.
    /// `extraDescriptors`: descriptors of this process the child gets as the
    /// given numbers (a pipe as fd 3, say).
    public init(
        executable: String, arguments: [String], outputFile: String? = nil, environment: [String: String] = [:],
        extraDescriptors: [Int32: Int32] = [:]
    ) throws {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Copies above every target first, so no dup2 overwrites a source another one still needs.
        let copies = extraDescriptors.mapValues { fcntl($0, F_DUPFD_CLOEXEC, 100) }
        defer { for copy in copies.values { close(copy) } }
        for (target, copy) in copies { posix_spawn_file_actions_adddup2(&actions, copy, target) }
        let target = outputFile ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, target, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // The child starts with no signal blocked and every handler at its
        // default: it would otherwise inherit the spawning thread's mask.
        // Brokers started by benchmark runs and test binaries were found with
        // SIGTERM blocked: a graceful stop never reached them, and ended in
        // SIGKILL after the grace period (or never, once their parent was gone).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noneBlocked = sigset_t()
        sigemptyset(&noneBlocked)
        posix_spawnattr_setsigmask(&attributes, &noneBlocked)
        var allDefault = sigset_t()
        sigfillset(&allDefault)
        posix_spawnattr_setsigdefault(&attributes, &allDefault)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw MosquittoBroker.Failure(description: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
    }

    deinit {
        if isRunning {
            Foundation.kill(pid, SIGKILL)
            _ = waitForExit()
        }
    }

    public var isRunning: Bool {
        lock.withLock {
            guard status == nil else { return false }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                status = raw
                return false
            }
            return true
        }
    }

    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        Foundation.kill(pid, signal)
    }

    /// Blocks until the child exits; returns its raw wait status.
    @discardableResult
    public func waitForExit() -> Int32 {
        lock.withLock {
            if let status { return status }
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
            status = raw
            return raw
        }
    }

    /// Waits for the exit on a thread of its own, so an async caller never
    /// holds one of the cooperative pool's few threads (two on this machine)
    /// while a child runs: that starves every other test in the process.
    @discardableResult
    public func exited() async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: self.waitForExit()) }
        }
    }

    /// `terminate(grace:)` on a thread of its own, for the reason `exited()` gives.
    public func stopped(grace: Double = 10) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                self.terminate(grace: grace)
                continuation.resume()
            }
        }
    }

    /// SIGTERM, then SIGKILL if the child is still there after `grace` seconds.
    public func terminate(grace: Double = 10) {
        signal(SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if isRunning { signal(SIGKILL) }
        waitForExit()
    }
}

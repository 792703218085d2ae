public import Foundation

/// A real Mosquitto broker for tests, on a free loopback port, in a directory
/// of its own. The test that starts it stops it; `deinit` kills it if a test
/// failed before doing so.
///
/// `settings` are extra configuration lines (`max_queued_messages 5`, an ACL
/// file, a password file). `stop()` is graceful (the broker saves its
/// persistence file); `kill()` is `kill -9`, which loses what autosave did not
/// write yet, exactly as in production.
public final class MosquittoBroker: @unchecked Sendable {
    public private(set) var port: Int
    public let directory: URL
    private let settings: [String]
    private var process: ChildProcess?
    private let lock = NSLock()

    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    public init(settings: [String] = [], port: Int? = nil) throws {
        self.port = try port ?? FreePort.next()
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("malledge-broker-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.settings = settings
        // A free port can be taken by another test between finding it and
        // the broker binding it: then another one, when the port was ours to pick.
        var attempts = port == nil ? 3 : 1
        while true {
            do {
                try start()
                return
            } catch let failure as Failure where attempts > 1 && failure.description.contains("Address already in use")
            {
                attempts -= 1
                self.port = try FreePort.next()
            }
        }
    }

    deinit {
        process?.signal(SIGKILL)
        process?.waitForExit()
        try? FileManager.default.removeItem(at: directory)
    }

    public var configurationFile: URL { directory.appendingPathComponent("mosquitto.conf") }
    public var logFile: URL { directory.appendingPathComponent("mosquitto.log") }

    /// Starts (or restarts) the broker and waits until it accepts connections.
    public func start() throws {
        var lines = [
            "listener \(port) 127.0.0.1",
            "allow_anonymous true",
            "persistence true",
            "persistence_location \(directory.path)/",
            "log_dest file \(logFile.path)",
            "log_type error",
            "log_type warning",
            "log_type notice",
        ]
        if geteuid() == 0 { lines.append("user root") }
        lines += settings
        try (lines.joined(separator: "\n") + "\n").write(to: configurationFile, atomically: true, encoding: .utf8)
        let process = try ChildProcess(executable: try Self.executable(), arguments: ["-c", configurationFile.path])
        lock.withLock { self.process = process }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if FreePort.accepts(port) { return }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        throw Failure(description: "mosquitto did not start on port \(port): \(log.suffix(500))")
    }

    /// Graceful stop (SIGTERM): the broker writes its persistence file first.
    public func stop() {
        guard let process = lock.withLock({ self.process }) else { return }
        process.terminate()
        lock.withLock { self.process = nil }
    }

    /// `kill -9`: whatever autosave did not write is lost.
    public func kill() {
        guard let process = lock.withLock({ self.process }) else { return }
        process.signal(SIGKILL)
        process.waitForExit()
        lock.withLock { self.process = nil }
    }

    public var isRunning: Bool { lock.withLock { process?.isRunning ?? false } }

    /// Mosquitto from Debian's package (`/usr/sbin`), or from PATH.
    static func executable() throws -> String {
        let candidates =
            ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/mosquitto" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(description: "mosquitto not found: run deploy/scripts/install-deps.sh")
        }
        return found
    }
}

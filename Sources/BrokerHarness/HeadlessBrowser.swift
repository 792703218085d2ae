public import Foundation

/// A real headless Chromium driven over the DevTools protocol through a
/// pipe (`--remote-debugging-pipe`: commands on its fd 3, answers on fd 4,
/// each a JSON message ended by a NUL byte), so page tests need no WebDriver
/// and no WebSocket client. One page; calls block a dedicated thread, never
/// the caller's.
public final class HeadlessBrowser: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let process: ChildProcess
    private let commands: FileHandle
    private let answers: FileHandle
    private let profile: URL
    private var nextID = 0
    private var buffer = Data()
    private var session = ""
    private let lock = NSLock()

    /// Whether Chromium is installed (the project's setup installs it).
    public static var executable: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts Chromium and attaches to its first page, waiting for the page
    /// to exist (a loaded machine may take seconds to create it).
    public init() async throws {
        guard let executable = Self.executable else { throw Failure(description: "chromium is not installed") }
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        let toBrowser = Pipe()
        let fromBrowser = Pipe()
        process = try ChildProcess(
            executable: executable,
            arguments: [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--remote-debugging-pipe", "--user-data-dir=\(profile.path)", "--window-size=1280,900", "about:blank",
            ],
            extraDescriptors: [
                3: toBrowser.fileHandleForReading.fileDescriptor, 4: fromBrowser.fileHandleForWriting.fileDescriptor,
            ])
        try toBrowser.fileHandleForReading.close()
        try fromBrowser.fileHandleForWriting.close()
        commands = toBrowser.fileHandleForWriting
        answers = fromBrowser.fileHandleForReading
        let deadline = Date().addingTimeInterval(30)
        var target: String?
        while target == nil {
            let targets = try await call("Target.getTargets", [:])
            let page = (targets["targetInfos"] as? [[String: Any]])?.first { $0["type"] as? String == "page" }
            target = page?["targetId"] as? String
            guard target == nil else { break }
            guard Date() < deadline else { throw Failure(description: "chromium opened no page in 30 s") }
            try await Task.sleep(for: .milliseconds(100))
        }
        let attached = try await call("Target.attachToTarget", ["targetId": target!, "flatten": true])
        lock.withLock { session = attached["sessionId"] as? String ?? "" }
    }

    deinit {
        process.terminate(grace: 2)
        try? FileManager.default.removeItem(at: profile)
    }

    /// Loads `url` and waits until the new document is complete (the old
    /// one is marked first, so its own "complete" is not mistaken for it).
    public func open(_ url: String) async throws {
        _ = try await evaluate("window.__replacedByOpen = true")
        _ = try await call("Page.navigate", ["url": url])
        guard try await waitUntil("!window.__replacedByOpen && document.readyState === 'complete'") else {
            throw Failure(description: "\(url) did not finish loading in 30 s")
        }
    }

    /// Runs JavaScript in the page (promises awaited) and returns its value.
    public func evaluate(_ expression: String) async throws -> Any? {
        let result = try await call(
            "Runtime.evaluate", ["expression": expression, "awaitPromise": true, "returnByValue": true])
        if let exception = result["exceptionDetails"] as? [String: Any] {
            throw Failure(description: "page script failed: \(exception["text"] ?? exception)")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Polls `expression` until it is true, for at most `seconds`. A script
    /// error (the element not there yet) counts as "not yet".
    public func waitUntil(_ expression: String, seconds: Double = 30) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await evaluate(expression)) as? Bool == true { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await evaluate(expression) as? Bool == true
    }

    /// A PNG of the page as it looks now.
    public func screenshot() async throws -> Data {
        let result = try await call("Page.captureScreenshot", ["format": "png"])
        guard let text = result["data"] as? String, let data = Data(base64Encoded: text) else {
            throw Failure(description: "no screenshot")
        }
        return data
    }

    public func call(_ method: String, _ parameters: [String: Any]) async throws -> [String: Any] {
        let box = UncheckedBox(parameters)
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { [self] in
                do {
                    continuation.resume(returning: UncheckedBox(try callBlocking(method, box.value)).value)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func callBlocking(_ method: String, _ parameters: [String: Any]) throws -> [String: Any] {
        lock.lock()
        defer { lock.unlock() }
        nextID += 1
        let id = nextID
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if !session.isEmpty { message["sessionId"] = session }
        try commands.write(contentsOf: try JSONSerialization.data(withJSONObject: message) + [0])
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            while let end = buffer.firstIndex(of: 0) {
                let frame = buffer[buffer.startIndex..<end]
                buffer = Data(buffer[(end + 1)...])
                guard let answer = try JSONSerialization.jsonObject(with: frame) as? [String: Any],
                    answer["id"] as? Int == id
                else { continue }
                if let error = answer["error"] as? [String: Any] {
                    throw Failure(description: "\(method): \(error["message"] ?? error)")
                }
                return answer["result"] as? [String: Any] ?? [:]
            }
            // poll(2) keeps the deadline; a plain read(2) returns what has
            // arrived, where FileHandle's read(upToCount:) waits for the whole count.
            var ready = pollfd(fd: answers.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000))) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = read(answers.fileDescriptor, &chunk, chunk.count)
            guard count > 0 else { throw Failure(description: "chromium closed the pipe") }
            buffer.append(contentsOf: chunk[0..<count])
        }
        throw Failure(description: "\(method): no answer in 30 s")
    }
}

/// Moves a JSON value the compiler cannot prove sendable across the thread
/// hop in `call`; it is only ever used by one side at a time.
private struct UncheckedBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

extension HeadlessBrowser {
    /// Logs in at the hub console page already open, as a person would: the
    /// form filled and submitted. True once the console shows.
    public func logInToConsole(_ operatorID: String, _ password: String) async throws -> Bool {
        guard try await waitUntil("!document.querySelector('#login').hidden") else { return false }
        _ = try await evaluate(
            """
            (() => { const form = document.querySelector('#login-form');
              form.elements.operatorId.value = '\(operatorID)'; form.elements.password.value = '\(password)';
              form.requestSubmit(); return true })()
            """)
        if try await waitUntil("!document.querySelector('#app').hidden") { return true }
        // Say why, for the test's record: the page shows the hub's answer.
        let shown = try? await evaluate("document.querySelector('#login-error')?.textContent ?? ''") as? String
        FileHandle.standardError.write(Data("console login as \(operatorID) failed: \(shown ?? "?")\n".utf8))
        return false
    }
}

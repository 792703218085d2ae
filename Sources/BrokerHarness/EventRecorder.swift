import Foundation
import Synchronization

/// Collects what an async sequence yields, so a test can wait for a condition
/// with a deadline instead of sleeping for a fixed time.
public final class EventRecorder<Element: Sendable>: Sendable {
    private final class Seen: Sendable {
        let elements = Mutex<[Element]>([])
    }

    private let storage = Seen()
    private let task: Task<Void, Never>

    public init(_ stream: AsyncStream<Element>) {
        task = Task { [storage] in
            for await element in stream { storage.elements.withLock { $0.append(element) } }
        }
    }

    deinit { task.cancel() }

    public var all: [Element] { storage.elements.withLock { $0 } }

    /// Waits until `condition` holds for what was seen so far; false on timeout.
    @discardableResult
    public func wait(seconds: Double = 30, until condition: ([Element]) -> Bool) async -> Bool {
        await eventually(seconds: seconds) { storage.elements.withLock { condition($0) } }
    }
}

/// Polls `condition` every `interval` until it holds or `seconds` pass: tests
/// wait for what the system under test does, never for a fixed time.
public func eventually(
    seconds: Double = 60, every interval: Duration = .milliseconds(10), _ condition: () async -> Bool
) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return await condition()
}

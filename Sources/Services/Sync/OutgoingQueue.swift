import Synchronization
public import Transport

/// Messages the engine produced and the publisher has not taken yet.
///
/// The engine's step returns its messages after its commit; they wait here so
/// that receiving never blocks on the broker. The publisher takes everything
/// waiting at once, in order. Past `capacity` the oldest are dropped and
/// counted: the protocol treats that like a broker drop (acks time out,
/// gaps are asked for again), and memory stays bounded when the broker is slow.
public final class OutgoingQueue: Sendable {
    private struct State {
        var messages: [TransportMessage] = []
        var waiter: CheckedContinuation<[TransportMessage], Never>?
        var dropped = 0
        var closed = false
    }

    private let state = Mutex(State())
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    public var dropped: Int { state.withLock { $0.dropped } }
    public var depth: Int { state.withLock { $0.messages.count } }
    /// Whether the publisher is waiting in `next()` for messages (so a test
    /// can take the waiting path for certain, without sleeping).
    public var publisherWaits: Bool { state.withLock { $0.waiter != nil } }

    public func push(_ messages: [TransportMessage]) {
        guard !messages.isEmpty else { return }
        let handoff = state.withLock { state -> (CheckedContinuation<[TransportMessage], Never>, [TransportMessage])? in
            guard !state.closed else { return nil }
            state.messages += messages
            if state.messages.count > capacity {
                let excess = state.messages.count - capacity
                state.messages.removeFirst(excess)
                state.dropped += excess
            }
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            defer { state.messages = [] }
            return (waiter, state.messages)
        }
        if let (waiter, batch) = handoff { waiter.resume(returning: batch) }
    }

    /// Everything waiting, in order; suspends while nothing is. Empty once closed.
    public func next() async -> [TransportMessage] {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [TransportMessage]? in
                if !state.messages.isEmpty || state.closed {
                    defer { state.messages = [] }
                    return state.messages
                }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    public func close() {
        let waiter = state.withLock { state in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: [])
    }
}

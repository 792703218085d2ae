import CMosquitto
import Foundation
public import Logging
import Synchronization
public import Transport

/// `mosquitto_lib_init` is not thread-safe: a global runs it exactly once.
private let libraryReady: Int32 = mosquitto_lib_init()

/// A `MessageTransport` over libmosquitto, speaking MQTT 5 to a real broker.
///
/// One network thread of its own runs `mosquitto_loop`, connects, and
/// reconnects with jittered backoff; libmosquitto's callbacks run on it and
/// only record state and yield events. Persistent session (clean start off,
/// session expiry set), QoS 1 everywhere, last will, TLS and credentials.
///
/// `@unchecked Sendable`: the C handle is used from the network thread and
/// from publishers; libmosquitto is put in threaded mode
/// (`mosquitto_threaded_set`), which makes those calls safe together, and all
/// of this class's own mutable state lives in a `Mutex`.
public final class MosquittoClient: MessageTransport, @unchecked Sendable {
    public let events: AsyncStream<TransportEvent>
    private let continuation: AsyncStream<TransportEvent>.Continuation
    private let session: Session
    private let options: Options
    private let logger: Logger
    private let handle: OpaquePointer
    private var connectProperties: OpaquePointer?
    private let state = Mutex(State())

    /// Everything callbacks and publishers share.
    private struct State {
        var started = false
        var stopping = false
        var willOnStop = false
        var connected = false
        /// Bumped at every connect and disconnect, so a publish that raced a
        /// disconnect is failed rather than left waiting.
        var generation: UInt64 = 0
        /// The QoS 1 subscription's request, whose SUBACK says "connected".
        var subscribeMid: Int32?
        /// The QoS 0 one's (`Session.latestOnly`), checked only for refusals.
        var latestSubscribeMid: Int32?
        var sessionPresent = false
        var waiting: [Int32: CheckedContinuation<Result<Void, TransportError>, Never>] = [:]
        /// Acknowledgements that arrived before their publisher started waiting.
        var early: [Int32: Result<Void, TransportError>] = [:]
        var earlyOrder: [Int32] = []
        var awaitingAck = 0
        /// When the current connection was established.
        var connectedAt: Date?
        /// Connections in a row that the broker dropped within seconds.
        var shortConnections = 0
        var loopExited = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
        var backoff = ReconnectBackoff()
    }

    public init(session: Session, options: Options, logger: Logger) throws(TransportError) {
        precondition(libraryReady == MOSQ_ERR_SUCCESS.rawValue, "mosquitto_lib_init failed")
        guard (1...65_535).contains(options.maxInFlight) else {
            throw TransportError(.invalidRequest, "maxInFlight must be 1...65535, was \(options.maxInFlight)")
        }
        self.session = session
        self.options = options
        var logger = logger
        logger[metadataKey: "mqtt.client"] = "\(session.clientID)"
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: TransportEvent.self)
        state.withLock { $0.backoff = options.backoff }
        guard let handle = mosquitto_new(session.clientID, false, nil) else {
            throw TransportError(.invalidRequest, "mosquitto_new failed for client id \(session.clientID)")
        }
        self.handle = handle
        try configure()
    }

    deinit {
        mosquitto_destroy(handle)
        mosquitto_property_free_all(&connectProperties)
    }

    private func configure() throws(TransportError) {
        func check(_ rc: Int32, _ what: String) throws(TransportError) {
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                throw TransportError(.invalidRequest, "\(what): \(String(cString: mosquitto_strerror(rc)))")
            }
        }
        let userdata = Unmanaged.passUnretained(self).toOpaque()
        mosquitto_user_data_set(handle, userdata)
        try check(mosquitto_threaded_set(handle, true), "threaded mode")
        try check(
            mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5),
            "protocol version")
        // Small QoS 1 messages and their PUBACKs otherwise meet Nagle's
        // algorithm and delayed ACKs: ~40 ms per hop on loopback.
        try check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1), "TCP_NODELAY")
        try check(mosquitto_int_option(handle, MOSQ_OPT_SEND_MAXIMUM, Int32(options.maxInFlight)), "send maximum")
        try check(
            mosquitto_int_option(handle, MOSQ_OPT_RECEIVE_MAXIMUM, Int32(options.maxInFlight)), "receive maximum")
        try check(
            mosquitto_property_add_int32(
                &connectProperties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), options.sessionExpirySeconds),
            "session expiry")
        if let username = options.username {
            try check(mosquitto_username_pw_set(handle, username, options.password), "credentials")
        }
        if let tls = options.tls {
            try check(
                mosquitto_tls_set(handle, tls.caFile, nil, tls.certificateFile, tls.keyFile, nil),
                "TLS files (ca \(tls.caFile))")
        }
        if let will = session.will {
            let rc = will.payload.withUnsafeBytes {
                mosquitto_will_set_v5(
                    handle, will.topic, Int32($0.count), $0.baseAddress, 1, will.retained, nil)
            }
            try check(rc, "last will on \(will.topic)")
        }
        mosquitto_connect_v5_callback_set(handle) { _, userdata, reason, flags, _ in
            MosquittoClient.from(userdata).didConnect(reason: reason, flags: flags)
        }
        mosquitto_subscribe_v5_callback_set(handle) { _, userdata, mid, count, granted, _ in
            let codes = (0..<Int(count)).map { granted?[$0] ?? 0x80 }
            MosquittoClient.from(userdata).didSubscribe(mid: mid, granted: codes)
        }
        mosquitto_publish_v5_callback_set(handle) { _, userdata, mid, reason, _ in
            MosquittoClient.from(userdata).didPublish(mid: mid, reason: reason)
        }
        mosquitto_message_v5_callback_set(handle) { _, userdata, message, _ in
            guard let message = message?.pointee else { return }
            MosquittoClient.from(userdata).didReceive(message)
        }
        mosquitto_disconnect_v5_callback_set(handle) { _, userdata, reason, _ in
            MosquittoClient.from(userdata).didDisconnect(reason: reason)
        }
    }

    private static func from(_ userdata: UnsafeMutableRawPointer?) -> MosquittoClient {
        Unmanaged<MosquittoClient>.fromOpaque(userdata!).takeUnretainedValue()
    }

    // MARK: MessageTransport

    public func start() {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread { [self] in runNetworkLoop() }
        thread.name = "mqtt-\(session.clientID)"
        thread.start()
    }

    /// Publishes at QoS 1 and returns once the broker acknowledged every
    /// message, or throws. Never drops a message it was given: with
    /// `maxAwaitingAck` publishes already waiting for the broker, it waits for
    /// room (its own oldest acknowledgement first) before handing over the
    /// next, so a caller with 20,000 snapshot parts is slowed, not cut short.
    public func publish(_ messages: [TransportMessage]) async throws(TransportError) {
        var tickets: [(mid: Int32, generation: UInt64)] = []
        tickets.reserveCapacity(messages.count)
        var acknowledged = 0
        for message in messages {
            let generation: UInt64
            while true {
                let admitted = try state.withLock { state throws(TransportError) -> UInt64? in
                    guard state.connected, !state.stopping else {
                        throw TransportError(.notConnected, "not connected to \(options.host):\(options.port)")
                    }
                    guard state.awaitingAck < options.maxAwaitingAck else { return nil }
                    state.awaitingAck += 1
                    return state.generation
                }
                if let admitted {
                    generation = admitted
                    break
                }
                // Back-pressure: the window is full.
                if acknowledged < tickets.count {
                    let ticket = tickets[acknowledged]
                    try await acknowledgement(of: ticket.mid, generation: ticket.generation).get()
                    acknowledged += 1
                } else {
                    // Another caller's publishes hold the window.
                    do {
                        try await Task.sleep(for: .milliseconds(2))
                    } catch {
                        throw TransportError(.stopped, "publish cancelled while waiting for room")
                    }
                }
            }
            var mid: Int32 = 0
            let rc = message.payload.withUnsafeBytes {
                mosquitto_publish_v5(
                    handle, &mid, message.topic, Int32($0.count), $0.baseAddress, 1, message.retained, nil)
            }
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                state.withLock { $0.awaitingAck -= 1 }
                let code: TransportError.Code = rc == MOSQ_ERR_NO_CONN.rawValue ? .notConnected : .invalidRequest
                throw TransportError(code, "publish on \(message.topic): \(String(cString: mosquitto_strerror(rc)))")
            }
            tickets.append((mid, generation))
        }
        for ticket in tickets[acknowledged...] {
            try await acknowledgement(of: ticket.mid, generation: ticket.generation).get()
        }
    }

    public func stop() async {
        await stop(sendingWill: false)
    }

    /// Disconnects; with `sendingWill` the broker publishes the last will as
    /// if the process had died (MQTT 5 reason 0x04), which tests use to play
    /// a crash without killing the test process.
    public func stop(sendingWill: Bool) async {
        let running = state.withLock { state in
            state.stopping = true
            state.willOnStop = sendingWill
            return state.started && !state.loopExited
        }
        if running {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let exited = state.withLock { state in
                    if !state.loopExited { state.exitWaiters.append(waiter) }
                    return state.loopExited
                }
                if exited { waiter.resume() }
            }
        }
        failWaiting(TransportError(.stopped, "transport stopped"))
        continuation.finish()
    }

    // MARK: Network thread

    private func runNetworkLoop() {
        while !state.withLock({ $0.stopping }) {
            let rc = mosquitto_connect_bind_v5(
                handle, options.host, Int32(options.port), Int32(options.keepAliveSeconds), nil, connectProperties)
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                let loopRC = serviceConnection()
                connectionEnded(reason: describe(loopRC))
            } else {
                logger.debug(
                    "MQTT connect failed",
                    metadata: ["mqtt.broker": "\(options.host):\(options.port)", "mqtt.error": "\(describe(rc))"])
            }
            if state.withLock({ $0.stopping }) { break }
            pauseBeforeReconnect()
        }
        let waiters = state.withLock { state in
            state.loopExited = true
            defer { state.exitWaiters = [] }
            return state.exitWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Runs the connection until it fails, or until a requested stop has sent
    /// DISCONNECT (from this thread, so the packet is written before the
    /// socket closes and the broker does not mistake the stop for a crash).
    private func serviceConnection() -> Int32 {
        var rc = MOSQ_ERR_SUCCESS.rawValue
        var stopDeadline: Date?
        while rc == MOSQ_ERR_SUCCESS.rawValue {
            let (stopping, sendWill) = state.withLock { ($0.stopping, $0.willOnStop) }
            if stopping, stopDeadline == nil {
                let reason = sendWill ? MQTT_RC_DISCONNECT_WITH_WILL_MSG : MQTT_RC_NORMAL_DISCONNECTION
                mosquitto_disconnect_v5(handle, Int32(reason.rawValue), nil)
                stopDeadline = Date().addingTimeInterval(2)
            }
            if let stopDeadline, Date() > stopDeadline { break }
            rc = mosquitto_loop(handle, 100, 1)
        }
        return rc
    }

    /// Sleeps the jittered backoff delay, in short slices so `stop()` is prompt.
    private func pauseBeforeReconnect() {
        let delay = state.withLock { state in
            // Connections dropped again and again right after they were made
            // mean another process runs with this client id (Mosquitto 2.0
            // just closes the old socket, without a reason): back off fully
            // rather than take the session back at once, forever.
            if state.shortConnections >= Self.takeoverSuspicion { return state.backoff.maxMillis }
            return state.backoff.nextDelayMillis(unit: Double.random(in: 0..<1))
        }
        var slept: UInt64 = 0
        while slept < delay, !state.withLock({ $0.stopping }) {
            let slice = min(50, delay - slept)
            Thread.sleep(forTimeInterval: Double(slice) / 1000)
            slept += slice
        }
    }

    /// Short connections in a row after which a session takeover is suspected.
    public static let takeoverSuspicion = 3
    /// A connection the broker drops sooner than this counts as short.
    static let shortConnectionSeconds = 2.0

    private func describe(_ rc: Int32) -> String {
        rc == MOSQ_ERR_ERRNO.rawValue
            ? String(cString: strerror(errno)) : String(cString: mosquitto_strerror(rc))
    }

    // MARK: Callbacks (network thread: record and yield, nothing else)

    private func didConnect(reason: Int32, flags: Int32) {
        guard reason == 0 else {
            logger.error(
                "broker refused the connection",
                metadata: ["mqtt.reason": "\(String(cString: mosquitto_reason_string(reason)))"])
            return
        }
        // With the session kept, the broker sends what it queued right after
        // CONNACK: say "connected" now so it comes before those messages. The
        // subscriptions are renewed anyway, in case the filters changed.
        let sessionPresent = flags & 1 == 1
        if sessionPresent || queuedFilters.isEmpty { markConnected(sessionPresent: sessionPresent) }
        // Asked for first: its SUBACK comes before the other's, which says "connected".
        if !latestFilters.isEmpty {
            let mid = subscribe(latestFilters, qos: 0)
            state.withLock { $0.latestSubscribeMid = mid }
        }
        guard !queuedFilters.isEmpty, let mid = subscribe(queuedFilters, qos: 1) else { return }
        state.withLock { state in
            state.subscribeMid = mid
            state.sessionPresent = sessionPresent
        }
    }

    /// Subscribes to `filters` at `qos`; the request's message id, or nil (logged) if it could not be sent.
    private func subscribe(_ filters: [String], qos: Int32) -> Int32? {
        var filters = filters.map { strdup($0) }
        defer { filters.forEach { free($0) } }
        var mid: Int32 = 0
        let rc = mosquitto_subscribe_multiple(handle, &mid, Int32(filters.count), &filters, qos, 0, nil)
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            logger.error("subscribe failed", metadata: ["mqtt.error": "\(describe(rc))", "mqtt.qos": "\(qos)"])
            return nil
        }
        return mid
    }

    /// The session's filters subscribed at QoS 1, and those at QoS 0 (`Session.latestOnly`).
    private var queuedFilters: [String] { session.subscriptions.filter { !session.latestOnly.contains($0) } }
    private var latestFilters: [String] { session.subscriptions.filter { session.latestOnly.contains($0) } }

    private func didSubscribe(mid: Int32, granted: [Int32]) {
        enum Answered { case queued(sessionPresent: Bool), latest }
        let answered: Answered? = state.withLock { state in
            if state.latestSubscribeMid == mid {
                state.latestSubscribeMid = nil
                return .latest
            }
            guard state.subscribeMid == mid else { return nil }
            state.subscribeMid = nil
            return .queued(sessionPresent: state.sessionPresent)
        }
        let filters: [String]
        switch answered {
        case nil: return
        case .latest: filters = latestFilters
        case .queued(let sessionPresent):
            filters = queuedFilters
            if !sessionPresent { markConnected(sessionPresent: false) }
        }
        for (filter, code) in zip(filters, granted) where code >= 0x80 {
            logger.error(
                "broker refused a subscription",
                metadata: [
                    "mqtt.filter": "\(filter)", "mqtt.reason": "\(String(cString: mosquitto_reason_string(code)))",
                ])
        }
    }

    private func markConnected(sessionPresent: Bool) {
        state.withLock { state in
            state.connected = true
            state.generation += 1
            state.connectedAt = Date()
        }
        logger.info("MQTT connected", metadata: ["mqtt.session_present": "\(sessionPresent)"])
        continuation.yield(.connected(sessionPresent: sessionPresent))
    }

    private func didPublish(mid: Int32, reason: Int32) {
        let result: Result<Void, TransportError> =
            reason < 0x80
            ? .success(())
            : .failure(TransportError(.refused, String(cString: mosquitto_reason_string(reason))))
        let waiter = state.withLock { state in
            state.awaitingAck = max(0, state.awaitingAck - 1)
            if let waiter = state.waiting.removeValue(forKey: mid) { return Optional(waiter) }
            state.early[mid] = result
            state.earlyOrder.append(mid)
            if state.earlyOrder.count > 4096 {
                let old = state.earlyOrder.removeFirst()
                state.early[old] = nil
            }
            return nil
        }
        waiter?.resume(returning: result)
    }

    private func didReceive(_ message: mosquitto_message) {
        guard let topic = message.topic.map({ String(cString: $0) }) else { return }
        let payload: [UInt8] =
            message.payloadlen > 0 && message.payload != nil
            ? Array(UnsafeRawBufferPointer(start: message.payload, count: Int(message.payloadlen))) : []
        continuation.yield(.message(TransportMessage(topic: topic, payload: payload, retained: message.retain)))
    }

    /// `reason` is an MQTT 5 reason code (0x80 and up) when the broker sent
    /// DISCONNECT, a libmosquitto error code when the connection broke.
    private func didDisconnect(reason: Int32) {
        let text =
            switch reason {
            case 0: "disconnected"
            case 0x80...: String(cString: mosquitto_reason_string(reason))
            default: describe(reason)
            }
        connectionEnded(reason: text)
    }

    /// Idempotent: both the disconnect callback and the loop's error return it.
    private func connectionEnded(reason: String) {
        let (wasConnected, stopping, suspectTakeover) = state.withLock { state in
            defer {
                state.connected = false
                state.subscribeMid = nil
                state.latestSubscribeMid = nil
                state.connectedAt = nil
            }
            guard state.connected else { return (false, state.stopping, false) }
            state.generation += 1
            let lasted = state.connectedAt.map { Date().timeIntervalSince($0) } ?? 0
            if lasted < Self.shortConnectionSeconds {
                state.shortConnections += 1
            } else {
                state.shortConnections = 0
                state.backoff.reset()
            }
            return (true, state.stopping, state.shortConnections == Self.takeoverSuspicion)
        }
        failWaiting(TransportError(.connectionLost, reason))
        guard wasConnected else { return }
        if suspectTakeover && !stopping {
            logger.critical(
                "the broker keeps dropping this client right after it connects: another process may use the same client id",
                metadata: ["mqtt.client": "\(session.clientID)"])
        }
        if stopping {
            logger.info("MQTT disconnected", metadata: ["mqtt.reason": "\(reason)"])
        } else {
            logger.warning("MQTT connection lost", metadata: ["mqtt.reason": "\(reason)"])
        }
        continuation.yield(.disconnected(reason: reason))
    }

    // MARK: Acknowledgements

    private func acknowledgement(of mid: Int32, generation: UInt64) async -> Result<Void, TransportError> {
        await withCheckedContinuation { (waiter: CheckedContinuation<Result<Void, TransportError>, Never>) in
            let ready: Result<Void, TransportError>? = state.withLock { state in
                if let result = state.early.removeValue(forKey: mid) { return result }
                guard state.generation == generation, state.connected, !state.stopping else {
                    return .failure(TransportError(.connectionLost, "connection lost before the broker acknowledged"))
                }
                state.waiting[mid] = waiter
                return nil
            }
            if let ready { waiter.resume(returning: ready) }
        }
    }

    private func failWaiting(_ error: TransportError) {
        let waiters = state.withLock { state in
            defer {
                state.waiting = [:]
                state.early = [:]
                state.earlyOrder = []
                state.awaitingAck = 0
            }
            return Array(state.waiting.values)
        }
        for waiter in waiters { waiter.resume(returning: .failure(error)) }
    }
}

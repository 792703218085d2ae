public import Logging
import MallDomain
public import Storage
public import SyncCore
import Synchronization
public import Transport

/// The one place a node's engine lives: every local write, message, timer and
/// connection change goes through this actor, one at a time, and what the
/// engine returns to publish goes to the outgoing queue after the engine's
/// commit has returned.
public actor NodeCoordinator {
    public typealias Engine = NodeEngine<ObservedReplica>

    let engine: Engine
    public nonisolated let configuration: Engine.Configuration
    /// The replica's SQLite file.
    public nonisolated let replicaPath: String
    /// Where local commits wait for the disk (shared with the publisher).
    public nonisolated let groupCommit: GroupCommit
    /// The will the broker publishes if this node vanishes: its death in
    /// the epoch this run started in.
    public nonisolated let will: TransportMessage
    /// The time of day and the waits of everything this process runs.
    public nonisolated let clock: any FleetClock
    let policies: EdgePolicies
    /// What the decisions read; the replica tells it of every committed change.
    let views: DecisionViews
    let gateDecider: GateDecider
    let logger: Logger
    /// Open staff sessions by the SHA-256 of their token, saved in the
    /// replica too, so that a restart logs no one out.
    var sessions: [String: StaffSession]
    /// The replicated login locks by staff id (`fleetLockEnd`), as of a
    /// version of the views.
    var fleetLocks: (version: Int, locks: FleetLocks)?
    /// Failed and pending logins per staff id and client address, for the lockouts.
    var loginThrottle = LoginThrottle()
    /// When the lounge next looks for visits past the maximum stay.
    private var nextLoungeSweep: UInt64 = 0
    private nonisolated let codec: WireCodec
    private let outgoing: OutgoingQueue
    private var connected = false
    private var rejectedMessages = 0
    private var storeFailures = 0
    /// Where each snapshot stood when its progress was last logged.
    private var loggedSnapshots: [Channel: SnapshotProgress] = [:]
    /// `GET /v1/health`'s body as of the last snapshot part or tick handled
    /// (not after every message: a catch-up's batches leave it as it is), read
    /// without waiting for the actor: the install of a large snapshot holds
    /// it for seconds (3.5 s for 1,000,000 rows), and a probe timing out
    /// meanwhile could have a supervisor restart the node in the middle of
    /// the install, and again at the next one.
    private nonisolated let health: Mutex<String>

    public init(
        configuration: Engine.Configuration, replicaPath: String, clock: any FleetClock, outgoing: OutgoingQueue,
        policies: EdgePolicies = EdgePolicies(), logger: Logger
    ) throws {
        let store = ObservedReplica(
            try SQLiteReplica(path: replicaPath, schema: configuration.schema, node: configuration.node))
        let codec = WireCodec(schema: configuration.schema)
        self.codec = codec
        let views = try DecisionViews(
            store: store.replica, channels: configuration.schema.subscriptions[configuration.role] ?? [],
            logger: logger)
        store.observer = views
        let engine = try Engine(configuration: configuration, store: store)
        engine.sendsAhead = { message in outgoing.push([Self.transportMessage(message, codec: codec)]) }
        self.engine = engine
        let death = WireMessage.death(Death(node: configuration.node, epoch: engine.epoch))
        will = TransportMessage(
            topic: Topics.node(configuration.node, mall: configuration.mall, .death), payload: codec.encode(death))
        sessions = try Self.restoredSessions(from: store.replica, now: clock.now())
        health = Mutex(Self.healthText(of: engine))
        self.configuration = configuration
        self.replicaPath = replicaPath
        groupCommit = store.replica.groupCommit
        self.views = views
        self.clock = clock
        self.policies = policies
        gateDecider = GateDecider(configuration: policies.gate)
        self.outgoing = outgoing
        self.logger = logger
        logger.info(
            "replica opened",
            metadata: [
                "node.epoch": "\(engine.epoch)", "node.outbox.depth": "\(engine.outboxStatus.depth)",
                "node.replica": "\(replicaPath)",
            ])
    }

    public var epoch: UInt64 { engine.epoch }
    public nonisolated var node: String { configuration.node }
    public nonisolated var role: String { configuration.role.rawValue }

    // MARK: Local decisions

    /// Commits `writes` durably, writes the decision line, queues the changes
    /// for the hub, and only then returns: the caller may tell the device.
    /// Decisions made at other lanes meanwhile share the fsync (group commit).
    public nonisolated func commit(_ writes: [LocalWrite], decision: String) async throws -> [Change] {
        let changes = try await commitNow(writes)
        return try await durable(Committed(outcome: changes, changes: changes, decision: decision))
    }

    /// The first half of a decision, for one that must be taken and
    /// committed in one actor turn: the views see the writes at once; the
    /// caller awaits `durable` before it tells anyone.
    func commitNow(_ writes: [LocalWrite]) throws -> [Change] {
        let now = clock.now()
        let changes = try engine.commit(writes, now: now)
        // The publisher waits for the same sync before it sends them.
        perform { try engine.tick(now: now) }
        return changes
    }

    /// Waits until `committed`'s changes are on disk, writes the decision
    /// line, and hands back its outcome.
    ///
    /// Nonisolated, so that a decision's caller waits for the disk on its
    /// own thread and goes on from there: coming back to the actor after the
    /// sync, only to return, cost the decision one more hop (measured, decide
    /// + durable commit: p99 about 7 % lower without it, BENCHMARKS.md).
    /// An answer that committed nothing (a check-out without an open visit)
    /// does not wait for other lanes' sync.
    nonisolated func durable<Outcome: Sendable>(_ committed: Committed<Outcome>) async throws -> Outcome {
        guard !committed.changes.isEmpty else { return committed.outcome }
        try await groupCommit.waitUntilDurable()
        DecisionLog.committed(committed.changes, decision: committed.decision, by: logger)
        return committed.outcome
    }

    public func row(table: String, key: String) throws -> RowState? {
        try engine.store.row(RowRef(table: table, key: key))
    }

    /// Whether every channel has a cursor: the node installed a snapshot of
    /// each and follows its stream.
    public var followsEveryChannel: Bool {
        engine.configuration.channels.allSatisfy { engine.cursor(of: $0) != nil }
    }

    public func syncState() -> NodeSyncState {
        let now = clock.now()
        let outbox = engine.outboxStatus
        return NodeSyncState(
            node: engine.configuration.node, mall: engine.configuration.mall,
            role: engine.configuration.role.rawValue, epoch: engine.epoch, connected: connected, clock: now,
            outboxDepth: outbox.depth,
            oldestUnsyncedAgeMillis: outbox.oldest.map { now > $0.wallMillis ? now - $0.wallMillis : 0 },
            hubSilentForMillis: engine.staleness(now: now),
            cursors: engine.configuration.channels.map { channel in
                NodeSyncState.Cursor(
                    channel: channel.description, seq: engine.cursor(of: channel) ?? 0,
                    head: engine.knownHead(of: channel),
                    snapshot: engine.snapshotProgress(of: channel).map(NodeSyncState.SnapshotState.init))
            },
            rejectedMessages: rejectedMessages, storeFailures: storeFailures)
    }

    /// `GET /v1/health`'s body (`NodeSyncState.healthText`) as of the
    /// last snapshot part or tick, without waiting for the actor.
    public nonisolated var healthText: String { health.withLock { $0 } }

    private static func healthText(of engine: Engine) -> String {
        NodeSyncState.healthText(
            snapshots: engine.configuration.channels.map { channel in
                (channel.description, engine.snapshotProgress(of: channel).map(NodeSyncState.SnapshotState.init))
            })
    }

    public func digests() throws -> [String: String] {
        let now = clock.now()
        return try Dictionary(
            uniqueKeysWithValues: engine.configuration.channels.map {
                (
                    $0.description,
                    ReplicaDigest.of(
                        try engine.store.rows(in: $0), floor: try engine.store.collectedFloor(of: $0),
                        schema: engine.configuration.schema, now: now)
                )
            })
    }

    // MARK: Transport and time

    public nonisolated func decode(_ event: TransportEvent) -> ReceivedEvent {
        ReceivedEvent(event, codec: codec)
    }

    /// Decodes and handles one event at once (a benchmark's way, or a test's).
    public func handle(_ event: TransportEvent) {
        handle(decode(event))
    }

    public func handle(_ event: ReceivedEvent) {
        let now = clock.now()
        switch event {
        case .connected:
            connected = true
            perform { try engine.connectionChanged(up: true, now: now) }
        case .disconnected:
            connected = false
            perform { try engine.connectionChanged(up: false, now: now) }
        case .message(let topic, .failure(let error)):
            rejectedMessages += 1
            logger.warning(
                "message refused", metadata: ["mqtt.topic": "\(topic)", "sync.error": "\(error.code.rawValue)"])
        case .message(_, .success(let checked)):
            perform { try engine.receive(checked.message, now: now) }
            if case .snapshotPart = checked.message {
                logSnapshotProgress()
                refreshHealth()
            }
        }
    }

    private func refreshHealth() {
        let text = Self.healthText(of: engine)
        health.withLock { $0 = text }
    }

    /// Logs a snapshot as it starts, at every tenth of the rows the hub
    /// counted, and when it is installed: a node joining a large channel
    /// says how far it is.
    private func logSnapshotProgress() {
        for channel in engine.configuration.channels {
            let progress = engine.snapshotProgress(of: channel)
            let logged = loggedSnapshots[channel]
            guard progress != logged else { continue }
            if let progress {
                let step = max((progress.total ?? 0) / 10, 50_000)
                let sameTenth =
                    logged?.snapshotID == progress.snapshotID && progress.held / step == (logged?.held ?? 0) / step
                guard !sameTenth else { continue }
                logger.info(
                    "snapshot staging",
                    metadata: [
                        "sync.channel": "\(channel)", "sync.snapshot": "\(progress.snapshotID)",
                        "sync.rows_held": "\(progress.held)",
                        "sync.rows_total": "\(progress.total.map { "\($0)" } ?? "?")",
                    ])
            } else if let logged {
                logger.info(
                    "snapshot installed",
                    metadata: [
                        "sync.channel": "\(channel)", "sync.snapshot": "\(logged.snapshotID)",
                        "sync.cursor": "\(engine.cursor(of: channel).map { "\($0)" } ?? "none")",
                    ])
            }
            loggedSnapshots[channel] = progress
        }
    }

    public func tick() {
        let now = clock.now()
        perform { try engine.tick(now: now) }
        refreshHealth()
        if configuration.role == .lounge, now >= nextLoungeSweep {
            nextLoungeSweep = now + UInt64(min(10_000, policies.lounge.maxStayMillis / 2))
            do {
                try closeOverstayedVisits(now: now)
            } catch {
                logger.error("overstayed visits not closed; will retry", metadata: ["sync.error": "\(error)"])
            }
        }
    }

    private static func transportMessage(_ message: Outgoing, codec: WireCodec) -> TransportMessage {
        TransportMessage(topic: message.topic, payload: codec.encode(message.message), retained: message.retained)
    }

    /// Runs an engine step and queues what it returns. A failed step changed
    /// nothing (the engine's contract), so the timers simply try again later.
    private func perform(_ step: () throws -> [Outgoing]) {
        do {
            let messages = try step()
            outgoing.push(messages.map { Self.transportMessage($0, codec: codec) })
        } catch {
            storeFailures += 1
            logger.error("sync step failed; will retry", metadata: ["sync.error": "\(error)"])
        }
    }
}

/// What `GET /v1/sync` answers: where this node stands with the hub.
public struct NodeSyncState: Codable, Sendable {
    public struct Cursor: Codable, Sendable {
        public var channel: String
        public var seq: UInt64
        /// The channel's head as the hub last told it (0 before it has): a
        /// `seq` below it is a catch-up under way.
        public var head: UInt64
        /// The snapshot the channel is taking, while one is half staged.
        public var snapshot: SnapshotState?
    }

    /// How far a snapshot is staged (SPEC §9.5): rows held of the `total`
    /// the hub counted when it started.
    public struct SnapshotState: Codable, Sendable {
        public var snapshotID: String
        public var at: UInt64
        public var held: UInt64
        public var total: UInt64?
    }

    public var node: String
    public var mall: String
    public var role: String
    public var epoch: UInt64
    public var connected: Bool
    public var clock: UInt64
    public var outboxDepth: Int
    public var oldestUnsyncedAgeMillis: UInt64?
    public var hubSilentForMillis: UInt64?
    public var cursors: [Cursor]
    public var rejectedMessages: Int
    public var storeFailures: Int
}

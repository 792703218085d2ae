public import Logging
import MallDomain
public import Storage
public import SyncCore
public import Transport

/// The one place the hub's engine lives: messages from the fleet, timers and
/// connection changes go through this actor one at a time; what the engine
/// returns to publish is queued after its commit has returned. The features
/// around it (console sessions, node history, gift issuing, imports, the
/// scalper watch) are components of their own (see `Hub`): they are fed the
/// changes it accepts and write through it.
public actor HubCoordinator {
    public typealias Engine = HubEngine<SQLiteHubStore>

    let engine: Engine
    /// The time of day and the waits of everything this process runs.
    public nonisolated let clock: any FleetClock
    public nonisolated let policies: HubPolicies
    /// The will the broker publishes if the hub vanishes: its status, offline
    /// (the retained one nodes read).
    public nonisolated let will: TransportMessage
    /// What `GET /metrics` exposes; nil when the caller keeps no metrics.
    public nonisolated let metrics: HubMetrics?
    /// The malls of the fleet: where the hub's own rows (keys, codes) go.
    public nonisolated let malls: Set<String>
    /// The hub's node id, the author of its audit entries.
    public nonisolated let hubID: NodeID
    public nonisolated let logger: Logger
    /// Where the store's commits wait for the disk (shared with the publisher).
    public nonisolated let groupCommit: GroupCommit
    /// The engine's codec, for decoding off the actor (`decode`).
    private nonisolated let codec: WireCodec
    private let outgoing: OutgoingQueue
    private var connected = false
    private var accepted = 0
    private var duplicates = 0
    private var storeFailures = 0
    /// Counts of entries behind, by channel, cursor and head (see `changesBehind`).
    private var lagCounts: [LagKey: UInt64] = [:]

    /// - Parameter store: the hub's store, opened by the caller (`Wiring.hub`
    ///   reads what the components rebuild from it first).
    public init(
        configuration: Engine.Configuration, store: sending SQLiteHubStore, clock: any FleetClock,
        outgoing: OutgoingQueue,
        policies: HubPolicies = HubPolicies(), metrics: HubMetrics? = nil, logger: Logger
    ) throws {
        groupCommit = store.groupCommit
        let engine = try Engine(configuration: configuration, store: store)
        self.engine = engine
        codec = engine.codec
        let offline = engine.offlineStatus(now: clock.now())
        will = TransportMessage(
            topic: offline.topic, payload: engine.codec.encode(offline.message), retained: offline.retained)
        self.clock = clock
        self.policies = policies
        self.metrics = metrics
        malls = Set(configuration.fleet.values.map(\.mall))
        hubID = configuration.hubID
        self.outgoing = outgoing
        self.logger = logger
        logger.info(
            "hub store opened",
            metadata: [
                "hub.epoch": "\(engine.epoch)", "hub.seq": "\(engine.lastSeq)",
                "hub.history": "\(engine.history.marks.last?.id ?? "")",
            ])
        if let restore = engine.history.restore, let mark = engine.history.marks.last {
            logger.notice(
                "this log history began on a store restored from a backup: nodes send again what they kept since",
                metadata: [
                    "hub.history": "\(mark.id)", "hub.history.from": "\(mark.from)",
                    "backup.taken_at_ms": "\(restore.backupTakenAt)", "restore.started_at_ms": "\(restore.startedAt)",
                ])
        }
    }

    /// The retained "hub offline" status: the will, and the farewell on a clean stop.
    public func offlineStatus() -> TransportMessage {
        message(engine.offlineStatus(now: clock.now()))
    }

    public nonisolated func decode(_ event: TransportEvent) -> ReceivedEvent {
        ReceivedEvent(event, codec: codec)
    }

    /// Decodes and handles one event at once (a test's way).
    @discardableResult
    public func handle(_ event: TransportEvent) -> AcceptedChanges? {
        handle(decode(event))
    }

    /// Handles one event from the transport, its message decoded and checked.
    /// - Returns: what a node's message added to the hub's state, for the
    ///   components fed by accepted changes; nil when it added nothing.
    @discardableResult
    public func handle(_ event: ReceivedEvent) -> AcceptedChanges? {
        let now = clock.now()
        switch event {
        case .connected:
            connected = true
            outgoing.push([message(engine.status(now: now))])
            return nil
        case .disconnected:
            connected = false
            return nil
        case .message(let topic, let checked):
            let result = engine.receive(topic: topic, checked: checked, now: now)
            metrics?.ingested(
                accepted: result.accepted, duplicates: result.duplicates, published: result.outgoing.count)
            if let rejection = result.rejection {
                metrics?.rejected(reason: rejection.code.rawValue)
                logger.warning(
                    "message refused",
                    metadata: [
                        "mqtt.topic": "\(topic)", "sync.error": "\(rejection.code.rawValue)",
                        "sync.detail": "\(rejection.detail)",
                    ])
            }
            if let failure = result.storeFailure {
                storeFailures += 1
                logger.error("hub store failed; the node will resend", metadata: ["sync.error": "\(failure)"])
            }
            accepted += result.accepted
            duplicates += result.duplicates
            for conflict in result.conflicts {
                metrics?.conflict(kind: conflict.kind)
                logger.notice(
                    "conflict recorded",
                    metadata: ["conflict.kind": "\(conflict.kind)", "conflict.item": "\(conflict.item)"])
            }
            outgoing.push(result.outgoing.map(message))
            guard result.accepted > 0, let origin = Topics.parseNodeTopic(topic)?.node else { return nil }
            return AcceptedChanges(origin: origin, count: result.accepted, changes: result.changes)
        }
    }

    /// Commits the hub's own writes (imports, issued gift codes, operators'
    /// decisions) and queues their fan-out; returns once they are durable.
    /// - Throws: `SyncError(.invalidWrite)` for a write the schema refuses
    ///   (nothing is committed), or the store's error.
    public func write(_ writes: [LocalWrite], mall: String, decision: String) async throws {
        try writeNow(writes, mall: mall, decision: decision)
        try await groupCommit.waitUntilDurable()
    }

    /// `write` without the wait for the disk, for several commits in one
    /// actor turn; the caller waits for `groupCommit` before answering.
    private func writeNow(_ writes: [LocalWrite], mall: String, decision: String) throws {
        let result = try engine.write(writes, mall: mall, now: clock.now())
        logger.info("hub write committed", metadata: ["hub.decision": "\(decision)", "hub.writes": "\(writes.count)"])
        outgoing.push(result.outgoing.map(message))
    }

    public func row(table: String, key: String) throws -> RowState? {
        try engine.store.row(RowRef(table: table, key: key))?.state
    }

    /// Reads the store and commits the writes `plan` makes of what it read,
    /// as one step of this actor: nothing lands between the read and the
    /// commits (one per mall, in the order given).
    /// - Returns: what `plan` returned beside its writes.
    public func write<Outcome: Sendable>(
        decision: String,
        planning plan: @Sendable (HubRows) throws -> (writes: [(mall: String, writes: [LocalWrite])], outcome: Outcome)
    ) async throws -> Outcome {
        let planned = try plan(HubRows(store: engine.store))
        for (mall, writes) in planned.writes where !writes.isEmpty {
            try writeNow(writes, mall: mall, decision: decision)
        }
        try await groupCommit.waitUntilDurable()
        return planned.outcome
    }

    public func tick() {
        do {
            outgoing.push(try engine.tick(now: clock.now()).map(message))
        } catch {
            storeFailures += 1
            logger.error("hub housekeeping failed; will retry", metadata: ["sync.error": "\(error)"])
        }
    }

    public func fleet() -> FleetState {
        let now = clock.now()
        let skewed = Set(engine.skewedNodes())
        let members = engine.configuration.fleet.sorted { $0.key < $1.key }.map { id, member in
            let record = engine.nodes[id]
            return FleetState.Node(
                node: id, mall: member.mall, role: member.role.rawValue, online: record?.online ?? false,
                epoch: record?.epoch, software: record?.software,
                lastSeenAgoMillis: record.map { now > $0.lastSeen ? now - $0.lastSeen : 0 },
                skewMillis: record?.skewMillis, skewFlagged: skewed.contains(id), outboxDepth: record?.outboxDepth,
                oldestUnsyncedAgeMillis: record?.oldestUnsyncedAt.map { now > $0 ? now - $0 : 0 },
                behind: member.channels(in: engine.configuration.schema).map { channel in
                    let head = engine.heads[channel] ?? 0
                    let cursor = record?.cursor(of: channel) ?? 0
                    let served = engine.snapshotsServed[id].flatMap {
                        $0.channel == channel && now < $0.lastWindowAt + Self.snapshotShownMillis ? $0 : nil
                    }
                    return FleetState.Lag(
                        channel: channel.description, head: head, cursor: cursor,
                        changes: changesBehind(channel, cursor: cursor, head: head),
                        snapshot: served.map { FleetState.SnapshotProgress(rowsSent: $0.sent, rowsTotal: $0.total) })
                })
        }
        return FleetState(
            hubEpoch: engine.epoch, hubSeq: engine.lastSeq, hubHistory: engine.history.marks.last?.id,
            connected: connected, accepted: accepted,
            duplicates: duplicates, storeFailures: storeFailures,
            rejections: Dictionary(uniqueKeysWithValues: engine.rejections.map { ($0.key.rawValue, $0.value) }),
            nodes: members)
    }

    /// How long after its last window a snapshot still shows as under way:
    /// a node that stopped asking (gone, or stuck) is not shown as progressing.
    static let snapshotShownMillis: UInt64 = 120_000

    /// How many of the channel's entries lie after `cursor`. Log sequence
    /// numbers are hub-wide, so `head - cursor` would count other channels'
    /// entries too: one import elsewhere would show every node far behind.
    /// Counted by the store, once per (channel, cursor, head).
    private func changesBehind(_ channel: Channel, cursor: UInt64, head: UInt64) -> UInt64 {
        guard cursor < head else { return 0 }
        let key = LagKey(channel: channel, cursor: cursor, head: head)
        if let known = lagCounts[key] { return known }
        let counted = (try? engine.store.entryCount(channel: channel, after: cursor)) ?? head - cursor
        lagCounts = lagCounts.filter { $0.key.channel != channel || $0.key.head == head }
        lagCounts[key] = counted
        return counted
    }

    public func digests() throws -> [String: String] {
        let now = clock.now()
        let schema = engine.configuration.schema
        let channels = Set(engine.configuration.fleet.values.flatMap { $0.channels(in: schema) }).sorted()
        return try Dictionary(
            uniqueKeysWithValues: channels.map {
                (
                    $0.description,
                    ReplicaDigest.of(
                        try engine.store.rows(in: $0), floor: engine.floors[$0] ?? 0, schema: schema, now: now)
                )
            })
    }

    private func message(_ outgoing: Outgoing) -> TransportMessage {
        TransportMessage(
            topic: outgoing.topic, payload: engine.codec.encode(outgoing.message), retained: outgoing.retained)
    }
}

/// What `GET /v1/fleet` answers: the hub and every node it knows.
public struct FleetState: Codable, Sendable {
    public struct Lag: Codable, Sendable {
        public var channel: String
        /// The hub's last log position in the channel, and the node's. Positions
        /// are hub-wide, so their difference is not a count of changes.
        public var head: UInt64
        public var cursor: UInt64
        /// The channel's changes the hub logged that the node has not applied.
        public var changes: UInt64
        /// The snapshot the node is taking of the channel, if under way (§9.5).
        public var snapshot: SnapshotProgress?
    }

    /// Rows of a windowed snapshot sent so far, of the total the channel
    /// held when it started.
    public struct SnapshotProgress: Codable, Sendable {
        public var rowsSent: UInt64
        public var rowsTotal: UInt64?
    }

    public struct Node: Codable, Sendable {
        public var node: String
        public var mall: String
        public var role: String
        public var online: Bool
        public var epoch: UInt64?
        public var software: String?
        public var lastSeenAgoMillis: UInt64?
        public var skewMillis: Int64?
        public var skewFlagged: Bool
        public var outboxDepth: Int?
        public var oldestUnsyncedAgeMillis: UInt64?
        public var behind: [Lag]

        /// Changes behind, over all its channels.
        public var changesBehind: UInt64 { behind.reduce(0) { $0 + $1.changes } }
    }

    public var hubEpoch: UInt64
    public var hubSeq: UInt64
    /// The log history the hub's sequence numbers belong to (SPEC §9.6): it
    /// changes when the hub's store is put back from a backup.
    public var hubHistory: String?
    public var connected: Bool
    public var accepted: Int
    public var duplicates: Int
    public var storeFailures: Int
    public var rejections: [String: Int]
    public var nodes: [Node]
}

struct LagKey: Hashable {
    var channel: Channel
    var cursor: UInt64
    var head: UInt64
}

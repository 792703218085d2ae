/// The sync engine of one edge node: turns local writes into durable outbox
/// changes, sends them, prunes on ack, and applies the hub's stream.
///
/// It does no I/O of its own: durable state goes through the `ReplicaStore`,
/// messages come in as values and go out as `Outgoing` for the caller to
/// publish, and time is a parameter. Every method leaves the engine unchanged
/// when the store throws, so the caller may simply retry later.
public final class NodeEngine<Store: ReplicaStore> {
    /// - `schema`: what the fleet replicates and what the role may write.
    /// - `node`, `mall`, `role`: who this node is.
    /// - `upstream`: outbox window, batch size, ack timeout.
    /// - `downstream`: catch-up delay and request timeout per channel.
    /// - `heartbeatIntervalMillis`: how often the node reports its state (default 1 s).
    /// - `maxClockDriftMillis`: remote clocks further ahead are not adopted (default 5 min).
    /// - `keepAcknowledgedMillis`: how long acknowledged changes are kept for
    ///   a hub restored from a backup (§9.6; default 7 days).
    public struct Configuration: Sendable {
        public var schema: SyncSchema
        public var node: NodeID
        public var mall: String
        public var role: Role
        public var software: String
        public var upstream: UpstreamFlow.Configuration
        public var downstream: ChannelSync.Configuration
        public var heartbeatIntervalMillis: UInt64
        public var maxClockDriftMillis: UInt64
        public var keepAcknowledgedMillis: UInt64

        public init(
            schema: SyncSchema, node: NodeID, mall: String, role: Role, software: String = "mall-node/1",
            upstream: UpstreamFlow.Configuration = .init(), downstream: ChannelSync.Configuration = .init(),
            heartbeatIntervalMillis: UInt64 = 1000, maxClockDriftMillis: UInt64 = 5 * 60 * 1000,
            keepAcknowledgedMillis: UInt64 = 7 * 24 * 3_600_000
        ) {
            self.schema = schema
            self.node = node
            self.mall = mall
            self.role = role
            self.software = software
            self.upstream = upstream
            self.downstream = downstream
            self.heartbeatIntervalMillis = heartbeatIntervalMillis
            self.maxClockDriftMillis = maxClockDriftMillis
            self.keepAcknowledgedMillis = keepAcknowledgedMillis
        }

        public var channels: [Channel] { schema.channels(of: role, in: mall) }
    }

    public let configuration: Configuration
    public let store: Store
    public private(set) var epoch: UInt64
    public private(set) var lastCreated: ChangeID?
    /// Physical time of the last message from the hub, if any since start.
    public private(set) var lastHeardFromHub: UInt64?
    /// Whether the hub's last status said it takes `changeBytes` (§7.1): the
    /// outbox then goes up as compact bytes, which the hub decodes for a
    /// third of what JSON costs it. Until a status says so, JSON.
    public private(set) var hubTakesChangeBytes = false
    /// Where a message that need not wait for the step's commit goes at
    /// once: the request for a snapshot's next window, sent before the
    /// window in hand is staged (§9.5), and for the rest of a resend answer
    /// that stopped short, sent before its last batch is applied (§9.3).
    /// Unset, it is returned with the step's other messages.
    public var sendsAhead: ((Outgoing) -> Void)?
    private var clock: HybridClock
    private var nextSeq: UInt64 = 1
    private var channels: [Channel: ChannelSync] = [:]
    private var upstream: UpstreamFlow
    private var outbox: OutboxStatus
    private var lastHeartbeatAt: UInt64?
    /// The hub log history the cursors refer to (§9.6).
    public private(set) var hubHistory: String?
    private var lastForgetAt: UInt64?
    /// The channel whose snapshot requests go out: one snapshot at a time,
    /// so a new node does not make the hub read several channels at once.
    private var snapshotting: Channel?
    /// How often acknowledged changes past their keeping time, and event rows
    /// past their retention, are dropped.
    private var forgetIntervalMillis: UInt64 { 10 * 60 * 1000 }

    public init(configuration: Configuration, store: Store) throws {
        self.configuration = configuration
        self.store = store
        let start = try store.start(minimumEpoch: 1)
        epoch = start.epoch
        lastCreated = start.lastCreated
        clock = HybridClock(last: start.clock, maxForwardDriftMillis: configuration.maxClockDriftMillis)
        outbox = start.outbox
        hubHistory = start.hubHistory
        upstream = UpstreamFlow(configuration: configuration.upstream)
        for channel in configuration.channels {
            // A channel held under another schema (an upgrade added tables or
            // columns to it, which this node passed by, §16.1) is snapshotted
            // again; so is every synced channel of a replica from before
            // schemas were recorded.
            var cursor = start.cursors[channel]
            var progress = start.snapshots[channel]
            let fingerprint = configuration.schema.fingerprint(of: channel.kind)
            if start.heldSchemas[channel] != fingerprint {
                try store.holdSchema(fingerprint, of: channel, restart: cursor != nil)
                cursor = nil
                progress = nil
            }
            channels[channel] = ChannelSync(
                channel: channel, cursor: cursor, progress: progress, configuration: configuration.downstream)
        }
    }

    public var outboxStatus: OutboxStatus { outbox }
    /// The id the next local change will get: unique across the fleet and
    /// never reused, so decisions name their event rows after it.
    public var nextChangeID: ChangeID { ChangeID(origin: configuration.node, epoch: epoch, seq: nextSeq) }
    public var hlc: HybridTimestamp { clock.last }

    public func cursor(of channel: Channel) -> UInt64? { channels[channel]?.cursor }
    /// The channel's head as the hub last told it: how far a catch-up has to go.
    public func knownHead(of channel: Channel) -> UInt64 { channels[channel]?.knownHead ?? 0 }
    /// How far the snapshot the channel is taking is staged (nil: none staged).
    public func snapshotProgress(of channel: Channel) -> SnapshotProgress? { channels[channel]?.progress }
    /// Whether some channel holds part of a snapshot staged.
    public var isTakingStagedSnapshot: Bool { channels.values.contains { $0.progress != nil } }
    /// A channel's sync state in one line, for failure reports.
    public func describeSync(of channel: Channel) -> String {
        channels[channel].map { "\($0)" } ?? "not replicated"
    }

    /// How long since the hub was last heard from (nil: not since start).
    public func staleness(now: UInt64) -> UInt64? {
        lastHeardFromHub.map { now >= $0 ? now - $0 : 0 }
    }

    // MARK: Local writes

    /// Applies writes to the replica and queues them for the hub, in one
    /// durable transaction. Returns the changes as committed.
    @discardableResult
    public func commit(_ writes: [LocalWrite], now: UInt64) throws -> [Change] {
        guard !writes.isEmpty else { return [] }
        var clock = self.clock
        var seq = nextSeq
        var changes: [Change] = []
        changes.reserveCapacity(writes.count)
        let schema = configuration.schema
        // The rows as the writes before each one leave them, for the rights
        // that depend on a row's state (the hub checks the same), read in
        // the transaction that commits the changes.
        try store.commitLocal(reading: Set(writes.map { RowRef(table: $0.table, key: $0.key) })) { stored in
            var rows = stored
            for write in writes {
                guard let table = schema.tables[write.table] else {
                    throw SyncError(.invalidWrite, "unknown table \(write.table)")
                }
                guard let kind = write.channelKind ?? (table.channelKinds.count == 1 ? table.channelKinds.first : nil)
                else { throw SyncError(.invalidWrite, "table \(write.table) needs a channel kind") }
                let change = Change(
                    id: ChangeID(origin: configuration.node, epoch: epoch, seq: seq),
                    hlc: clock.tick(physicalMillis: now), table: write.table, key: write.key,
                    channel: Channel(mall: configuration.mall, kind: kind), op: write.op, columns: write.columns)
                if let violation = schema.violation(of: change) {
                    throw SyncError(.invalidWrite, violation)
                }
                var row = rows[change.row]
                if let refusal = schema.rights.refusal(of: change, by: configuration.role)
                    ?? schema.rights.conflict(of: change, by: configuration.role, current: row)
                {
                    throw SyncError(.invalidWrite, refusal)
                }
                if row == nil { row = RowState() }
                row?.apply(change)
                rows[change.row] = row
                changes.append(change)
                seq += 1
            }
            return LocalCommit(changes: changes, clock: clock.last)
        }
        self.clock = clock
        nextSeq = seq
        lastCreated = changes.last!.id
        outbox.depth += changes.count
        if outbox.oldest == nil { outbox.oldest = changes.first!.hlc }
        return changes
    }

    // MARK: Connection and time

    /// The transport connected (`up`) or lost its connection.
    public func connectionChanged(up: Bool, now: UInt64) throws -> [Outgoing] {
        upstream.connectionChanged(up: up, now: now)
        guard up else { return [] }
        for channel in configuration.channels { channels[channel]!.connectionRestored() }
        let birth = Birth(
            node: configuration.node, mall: configuration.mall, role: configuration.role, epoch: epoch,
            sentAt: now, cursors: positions(), software: configuration.software, history: hubHistory,
            entryEncoding: Change.bytesEncoding)
        return [Outgoing(topic: topic(.birth), message: .birth(birth))] + (try pump(now: now))
    }

    /// Timers: catch-up requests, heartbeat, and sending the outbox.
    public func tick(now: UInt64) throws -> [Outgoing] {
        var out: [Outgoing] = []
        for channel in configuration.channels {
            let actions = channels[channel]!.tick(now: now)
            out += try perform(actions, on: channel, now: now)
        }
        if upstream.connected,
            Timer.isDue(since: lastHeartbeatAt, every: configuration.heartbeatIntervalMillis, now: now)
        {
            lastHeartbeatAt = now
            out.append(Outgoing(topic: topic(.up), message: .heartbeat(heartbeat(now: now))))
        }
        if Timer.isDue(since: lastForgetAt, every: forgetIntervalMillis, now: now) {
            lastForgetAt = now
            try store.forgetAcknowledged(before: now - min(now, configuration.keepAcknowledgedMillis))
            _ = try store.dropExpired(now: now)
        }
        return out + (try pump(now: now))
    }

    public func heartbeat(now: UInt64) -> Heartbeat {
        Heartbeat(
            node: configuration.node, epoch: epoch, sentAt: now, hlc: clock.last, outboxDepth: outbox.depth,
            oldestUnsyncedAt: outbox.oldest?.wallMillis, outboxHead: lastCreated, cursors: positions(),
            history: hubHistory)
    }

    // MARK: Messages from the hub

    public func receive(_ message: WireMessage, now: UInt64) throws -> [Outgoing] {
        switch message {
        case .ack(let ack) where ack.node == configuration.node:
            lastHeardFromHub = now
            try acknowledge(ack.acks, now: now)
            return try pump(now: now)
        case .batch(let batch):
            guard channels[batch.channel] != nil, isOfFollowedHistory(batch.history) else { return [] }
            lastHeardFromHub = now
            let actions = channels[batch.channel]!.received(batch, now: now)
            return try perform(actions, on: batch.channel, now: now)
        case .snapshotPart(let part) where part.node == configuration.node:
            guard channels[part.channel] != nil, isOfFollowedHistory(part.history) else { return [] }
            lastHeardFromHub = now
            let actions = channels[part.channel]!.received(part, now: now)
            return try perform(actions, on: part.channel, now: now)
        case .control(let control) where control.node == configuration.node:
            lastHeardFromHub = now
            return try handle(control, now: now)
        case .hubStatus(let status):
            guard status.online else { return [] }
            lastHeardFromHub = now
            hubTakesChangeBytes = status.changeEncoding == Change.bytesEncoding
            var out: [Outgoing] = []
            if let marks = status.history { out += try follow(marks, now: now) }
            let floors = Dictionary(status.floors.map { ($0.channel, $0.seq) }, uniquingKeysWith: max)
            for head in status.heads where channels[head.channel] != nil {
                let floor = floors[head.channel] ?? 0
                let actions = channels[head.channel]!.received(head: head.seq, floor: floor, now: now)
                out += try perform(actions, on: head.channel, now: now)
                // Collect only when the floor moved: every status would
                // otherwise cost a scan and a durable write per channel.
                // The floor is the store's, which a snapshot of the channel
                // starts over: its rows may hold tombstones below a floor
                // collected before (one a cache in memory would skip).
                if floor > (try store.collectedFloor(of: head.channel)) {
                    try store.collectTombstones(channel: head.channel, floor: floor)
                }
            }
            return out
        default:
            return []
        }
    }

    /// Whether a batch or snapshot part numbers its entries in the history
    /// the cursors refer to (§9.6). One of a log the hub has since gone back
    /// on, delivered late, would move a cursor past entries of the current
    /// log it does not carry; one of a history not yet heard of is taken
    /// again once its status has been followed. A hub that names none (or a
    /// node that has seen none) is taken at its word.
    private func isOfFollowedHistory(_ named: String?) -> Bool {
        guard let named, let hubHistory else { return true }
        return named == hubHistory
    }

    private func handle(_ control: Control, now: UInt64) throws -> [Outgoing] {
        switch control.command {
        case .resnapshot:
            guard let channel = control.channel, channels[channel] != nil else { return [] }
            let actions = channels[channel]!.resnapshotRequired(now: now)
            return try perform(actions, on: channel, now: now)
        case .epochSuperseded:
            guard let reused = control.epoch else { return [] }
            let newEpoch = max(control.minEpoch ?? 0, epoch + 1)
            guard let lastSeq = try store.moveOutbox(fromEpoch: reused, toEpoch: newEpoch) else { return [] }
            epoch = newEpoch
            nextSeq = lastSeq + 1
            if lastSeq > 0 { lastCreated = ChangeID(origin: configuration.node, epoch: epoch, seq: lastSeq) }
            upstream.rewind(now: now)
            return try pump(now: now)
        case .unsupportedVersion:
            return []
        }
    }

    /// Follows the hub's log history (§9.6). The first history seen is only
    /// recorded. A new one means the hub went back (restored from a backup):
    /// cursors past what the new history shares with ours re-snapshot, and
    /// every change still kept, acknowledged or not, is sent again in a new
    /// epoch; the hub takes the ones it lost and recognises the rest by
    /// content hash.
    private func follow(_ marks: [HistoryMark], now: UInt64) throws -> [Outgoing] {
        guard let current = marks.last, current.id != hubHistory else { return [] }
        guard let known = hubHistory, let validThrough = LogHistory.validThrough(appliedUnder: known, marks: marks)
        else {
            _ = try store.followHubHistory(current.id, cursorsValidThrough: 0, replayInto: nil)
            hubHistory = current.id
            for channel in configuration.channels { channels[channel]!.followed(history: current.id) }
            return []
        }
        let newEpoch = epoch + 1
        // Rows a windowed snapshot installed may be newer than its cursor
        // (§9.5): a channel holding one past what the new history shares
        // re-snapshots too, as the store decides in the same step.
        var reachesPast: Set<Channel> = []
        for channel in configuration.channels where try store.highestRowSeq(in: channel) > validThrough {
            reachesPast.insert(channel)
        }
        let lastSeq = try store.followHubHistory(current.id, cursorsValidThrough: validThrough, replayInto: newEpoch)
        hubHistory = current.id
        epoch = newEpoch
        nextSeq = lastSeq + 1
        if lastSeq > 0 { lastCreated = ChangeID(origin: configuration.node, epoch: epoch, seq: lastSeq) }
        outbox = try store.outboxStatus()
        for channel in configuration.channels {
            // Heads and floors seen under the old history no longer mean anything.
            // What was staged of a snapshot went with the old history.
            let cursor = channels[channel]!.cursor.flatMap {
                $0 <= validThrough && !reachesPast.contains(channel) ? $0 : nil
            }
            channels[channel] = ChannelSync(channel: channel, cursor: cursor, configuration: configuration.downstream)
        }
        upstream.rewind(now: now)
        return try pump(now: now)
    }

    // MARK: Performing actions

    private func perform(_ actions: [ChannelSync.Action], on channel: Channel, now: UInt64) throws -> [Outgoing] {
        var out: [Outgoing] = []
        for action in actions {
            switch action {
            case .apply(let logged, let upTo):
                var clock = self.clock
                for entry in logged { clock.observe(entry.change.hlc, physicalMillis: now) }
                // What a newer schema added passes by (§16.1); the cursor moves past it.
                let entries = logged.compactMap(configuration.schema.known)
                try store.applyRemote(channel: channel, entries: entries, upTo: upTo, clock: clock.last)
                self.clock = clock
                channels[channel]!.applied(upTo: upTo, now: now)
            case .stageSnapshot(let rows, let progress, let acks, let startsOver, let installs):
                // The changes these acks prune are in the rows already; left in
                // the outbox, the install would apply them again on top, and
                // bring back a row whose delete the hub has logged and collected
                // since (the node missed the ack, or its disk lost the prune).
                try acknowledge(acks, now: now)
                try store.stageSnapshot(
                    channel: channel, rows: rows.compactMap(configuration.schema.known), progress: progress,
                    startsOver: startsOver, installs: installs)
                channels[channel]!.staged(progress, installed: installs, now: now)
                // The next channel waiting for its turn asks at once.
                if installs, snapshotting == channel {
                    snapshotting = nil
                    if let next = configuration.channels.first(where: { channels[$0]!.isTakingSnapshot }) {
                        out += try perform(channels[next]!.tick(now: now), on: next, now: now)
                    }
                }
            case .requestResend(let after):
                guard upstream.connected else { continue }
                let request = ResendRequest(
                    node: configuration.node, channel: channel, after: after, entryEncoding: Change.bytesEncoding)
                let message = Outgoing(topic: topic(.up), message: .resend(request))
                if let sendsAhead { sendsAhead(message) } else { out.append(message) }
            case .requestSnapshot(let resume):
                guard upstream.connected else { continue }
                if let other = snapshotting, other != channel, channels[other]?.isTakingSnapshot == true {
                    channels[channel]!.snapshotDeferred()
                    continue
                }
                snapshotting = channel
                let tails = outbox.depth > 0 ? try store.outboxTails() : []
                let request = SnapshotRequest(
                    node: configuration.node, channel: channel, outbox: tails.isEmpty ? nil : tails, windowed: true,
                    resume: resume, rowEncoding: SnapshotRow.bytesEncoding,
                    chainVersion: SnapshotChain.Version.newest.rawValue)
                let message = Outgoing(topic: topic(.up), message: .snapshotRequest(request))
                if let sendsAhead { sendsAhead(message) } else { out.append(message) }
            }
        }
        return out
    }

    /// Prunes the outbox by acks from the hub; each prunes only if the
    /// outbox holds its epoch and seq with the same sequence chain.
    private func acknowledge(_ entries: [AckEntry], now: UInt64) throws {
        for entry in entries {
            let pruned = try store.acknowledge(entry, now: now)
            guard pruned > 0 else { continue }
            outbox.depth -= pruned
            outbox.oldest = outbox.depth == 0 ? nil : try store.oldestUnsynced()
            upstream.acknowledged(pruned: pruned, outboxDepth: outbox.depth, now: now)
        }
    }

    /// Sends outbox changes while the window has room.
    ///
    /// Only the oldest epoch in the outbox is in flight at a time: the hub
    /// takes each epoch's sequence on its own, so sending a later epoch early
    /// could land a delete before the insert it follows, and a tombstone
    /// collected in between would let that insert bring the row back.
    private func pump(now: UInt64) throws -> [Outgoing] {
        var out: [Outgoing] = []
        guard outbox.depth > 0 else { return out }
        // Read only when something is to be sent: offline, every decision's
        // commit pumps, and this read decoded a change each time.
        var oldestEpoch: UInt64?
        while case .send(let after, let limit)? = upstream.next(outboxDepth: outbox.depth, now: now) {
            if oldestEpoch == nil { oldestEpoch = try store.outbox(after: nil, limit: 1).first?.id.epoch }
            guard let oldestEpoch else { break }
            let read = try store.outbox(after: after, limit: limit)
            guard !read.isEmpty else {
                upstream.rewind(now: now)
                break
            }
            let sameEpoch = read.prefix { $0.id.epoch == oldestEpoch }
            guard
                let first = MessageBudget.chunks(Array(sameEpoch), maxItems: limit, size: MessageBudget.size(of:))
                    .first,
                let last = first.last
            else { break }
            let changes = Array(first)
            upstream.sent(through: last.id, count: changes.count, now: now)
            let firstID = changes[0].id
            let chainBefore =
                firstID.seq == 1
                ? ""
                : try store.sequenceChain(
                    at: ChangeID(origin: firstID.origin, epoch: firstID.epoch, seq: firstID.seq - 1))
            let batch = ChangeBatch(
                node: configuration.node, sentAt: now, changes: changes, history: hubHistory,
                changesAsBytes: hubTakesChangeBytes, chainBefore: chainBefore)
            out.append(Outgoing(topic: topic(.up), message: .changes(batch)))
        }
        return out
    }

    private func positions() -> [ChannelPosition] {
        configuration.channels.map { ChannelPosition(channel: $0, seq: channels[$0]?.cursor ?? 0) }
    }

    private func topic(_ kind: Topics.NodeTopic) -> String {
        Topics.node(configuration.node, mall: configuration.mall, kind)
    }
}

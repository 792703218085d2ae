#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The hub's sync engine: the single ordering point of the fleet.
///
/// It validates what nodes send, dedupes by `(origin, epoch, seq)` and content
/// hash, appends accepted changes to the log with a hub sequence number,
/// merges them, detects single-use conflicts, commits all of that atomically,
/// and only then acks and fans out. No I/O of its own: the store is injected,
/// messages come in as values, time is a parameter.
public final class HubEngine<Store: HubStore> {
    /// - `schema`: what the fleet replicates, each role's rights, single-use rules.
    /// - `fleet`: the nodes allowed to sync, with their mall and role.
    /// - `maxSkewMillis`: a node whose clock is further off is flagged (default 30 s).
    /// - `statusIntervalMillis`: how often heads and floors are published (default 1 s).
    /// - `gcHorizonMillis`: a node silent for longer no longer holds back tombstone
    ///   collection and must re-snapshot when it returns (default 24 h).
    /// - `gcIntervalMillis`: how often collection runs (default 10 s).
    /// - `maxEntriesPerMessage`, `maxResendEntries`, `snapshotRowsPerPart`: message sizing.
    ///   A resend answer reads up to 1,000 entries, sent in messages of at
    ///   most 1,000 and the byte budget (`MessageBudget`: about 250
    ///   reservations each); the node asks for the next answer as the last
    ///   message of one arrives, and applies it while the hub reads. Half as
    ///   many reads and requests as with 500: a catch-up of 100,000 changes
    ///   took 1.07 s against 1.20 s (eight alternating pairs, real
    ///   processes); 2,000 was no faster.
    /// - `snapshotRowsPerWindow`: rows read and sent per window of a windowed
    ///   snapshot (§9.5; default 5,000, in parts of `snapshotRowsPerPart`).
    /// - `maxWholeSnapshotRows`: the largest channel a node from before
    ///   windows may take in one go (default 20,000). That path reads the
    ///   whole channel into memory, so beyond it the request is refused as
    ///   `too-large` and the hub's memory stays bounded whatever a device asks.
    /// - `maxClockDriftMillis`: remote timestamps further ahead than this are
    ///   not adopted by the hub's clock (default 5 min).
    /// - `maxStampAheadMillis`: how far ahead of the hub's clock a node's change
    ///   may be stamped (default 1 h). See `StampBounds`.
    /// - `maxEpochBackdateMillis`: how far below its latest change a node's
    ///   change in a new epoch may be stamped (default 1 h). See `StampBounds`.
    /// - `messageRate`: messages one node may send (default 2,000 at once and
    ///   one more per millisecond, far above an honest node's heartbeats and
    ///   batches); `snapshotRate`: snapshots one node may ask for (default 4 at
    ///   once and one more per 3 s, per channel, counting only snapshots
    ///   started); `snapshotWindowRate`: windows one node may ask for, over
    ///   all its channels (default 8 at once and one more per 20 ms: an honest
    ///   node asks for the next once it staged the last); `changeRate`: changes one
    ///   node may send (default 50,000 at once, more than a busy device makes
    ///   in a day offline, then 50 a second, far above any device's pace). Beyond any
    ///   of them, a message is refused as `rate-limited`. See `NodeAllowance`.
    /// - `dedupeHorizonMillis`: how long the record of a taken change (its
    ///   id, content hash and chain) outlives its payload (default 30 days,
    ///   well past the 7 days nodes keep acknowledged changes). See §12.3.
    public struct Configuration: Sendable {
        public var schema: SyncSchema
        public var fleet: [NodeID: FleetMember]
        public var hubID: NodeID
        public var maxSkewMillis: Int64
        public var statusIntervalMillis: UInt64
        public var gcHorizonMillis: UInt64
        public var gcIntervalMillis: UInt64
        public var maxEntriesPerMessage: Int
        public var maxResendEntries: Int
        public var snapshotRowsPerPart: Int
        public var snapshotRowsPerWindow: Int
        public var maxWholeSnapshotRows: UInt64
        public var maxClockDriftMillis: UInt64
        public var maxStampAheadMillis: UInt64
        public var maxEpochBackdateMillis: UInt64
        public var messageRate: NodeAllowance.Rate
        public var snapshotRate: NodeAllowance.Rate
        public var snapshotWindowRate: NodeAllowance.Rate
        public var changeRate: NodeAllowance.Rate
        public var dedupeHorizonMillis: UInt64

        public init(
            schema: SyncSchema, fleet: [NodeID: FleetMember], hubID: NodeID = "hub", maxSkewMillis: Int64 = 30_000,
            statusIntervalMillis: UInt64 = 1000, gcHorizonMillis: UInt64 = 24 * 3_600_000,
            gcIntervalMillis: UInt64 = 10_000, maxEntriesPerMessage: Int = 1000, maxResendEntries: Int = 1000,
            snapshotRowsPerPart: Int = 500, snapshotRowsPerWindow: Int = 5000, maxWholeSnapshotRows: UInt64 = 20_000,
            maxClockDriftMillis: UInt64 = 5 * 60 * 1000,
            maxStampAheadMillis: UInt64 = 60 * 60 * 1000, maxEpochBackdateMillis: UInt64 = 60 * 60 * 1000,
            messageRate: NodeAllowance.Rate = .init(burst: 2000, refillMillis: 1),
            snapshotRate: NodeAllowance.Rate = .init(burst: 4, refillMillis: 3000),
            snapshotWindowRate: NodeAllowance.Rate = .init(burst: 8, refillMillis: 20),
            changeRate: NodeAllowance.Rate = .init(burst: 50_000, refillMillis: 20),
            dedupeHorizonMillis: UInt64 = 30 * 24 * 3_600_000
        ) {
            self.schema = schema
            self.fleet = fleet
            self.hubID = hubID
            self.maxSkewMillis = maxSkewMillis
            self.statusIntervalMillis = statusIntervalMillis
            self.gcHorizonMillis = gcHorizonMillis
            self.gcIntervalMillis = gcIntervalMillis
            self.maxEntriesPerMessage = maxEntriesPerMessage
            self.maxResendEntries = maxResendEntries
            self.snapshotRowsPerPart = snapshotRowsPerPart
            self.snapshotRowsPerWindow = max(1, snapshotRowsPerWindow)
            self.maxWholeSnapshotRows = maxWholeSnapshotRows
            self.maxClockDriftMillis = maxClockDriftMillis
            self.maxStampAheadMillis = maxStampAheadMillis
            self.maxEpochBackdateMillis = maxEpochBackdateMillis
            self.messageRate = messageRate
            self.snapshotRate = snapshotRate
            self.snapshotWindowRate = snapshotWindowRate
            self.changeRate = changeRate
            self.dedupeHorizonMillis = dedupeHorizonMillis
        }

        var stampLimits: StampBounds.Limits {
            .init(maxStampAheadMillis: maxStampAheadMillis, maxEpochBackdateMillis: maxEpochBackdateMillis)
        }
    }

    public struct FleetMember: Hashable, Sendable {
        public var mall: String
        public var role: Role

        public init(mall: String, role: Role) {
            self.mall = mall
            self.role = role
        }

        /// The channels this member replicates under `schema`.
        public func channels(in schema: SyncSchema) -> [Channel] { schema.channels(of: role, in: mall) }
    }

    /// What one message did: what to publish, and why it was refused if it was.
    public struct Result: Sendable {
        public var outgoing: [Outgoing] = []
        public var rejection: WireError?
        /// The hub's own store failed: nothing was committed or acked, and
        /// the node will send again. Not the sender's fault, so not a rejection.
        public var storeFailure: String?
        public var accepted = 0
        public var duplicates = 0
        public var conflicts: [ConflictOutcome] = []
        /// Changes taken but not applied: beyond the role's rights on the
        /// row as it stands (`Rights.conflict`), each recorded in the ledger.
        public var notApplied: [Change] = []
        /// The message's changes as the node sent them, when it added any
        /// (`accepted > 0`): what the hub's observers are fed, without
        /// decoding the payload again.
        public var changes: [Change] = []
    }

    public let configuration: Configuration
    public let store: Store
    public let codec: WireCodec
    public private(set) var epoch: UInt64
    public private(set) var lastSeq: UInt64
    public private(set) var heads: [Channel: UInt64]
    public private(set) var floors: [Channel: UInt64]
    /// What each node may still send, and ask snapshots of per channel
    /// (`NodeAllowance`; keyed `node` and `node channel`).
    private var messageAllowances: [String: NodeAllowance] = [:]
    private var snapshotAllowances: [String: NodeAllowance] = [:]
    private var snapshotWindowAllowances: [String: NodeAllowance] = [:]
    private var changeAllowances: [String: NodeAllowance] = [:]
    public private(set) var nodes: [NodeID: NodeRecord]
    /// Channels whose live batches go out as `entryBytes` (§7.2).
    public private(set) var entryBytesChannels: Set<Channel>
    /// The windowed snapshot each node of the fleet is taking, as of the last
    /// window served (§9.5), for operators; gone once its last window is sent.
    public private(set) var snapshotsServed: [NodeID: ServedSnapshot] = [:]
    /// Messages refused, by reason.
    public private(set) var rejections: [WireError.Code: Int] = [:]
    private var highWaters: [OriginEpoch: HighWater]
    private var maxEpoch: [NodeID: UInt64] = [:]
    /// The highest timestamp of any change taken from each origin: the
    /// origin's next new change may not be stamped below it.
    private var lastStamps: [NodeID: HybridTimestamp] = [:]
    /// Origins with a high-water mark set before marks kept their change's
    /// stamp (store migration v4, stamp 0): `lastStamps` may be below what
    /// the hub holds of them, so each of their changes is looked up by content.
    private var unstampedOrigins: Set<NodeID> = []
    /// Epochs found reused since the hub started (§8.5). Every later change
    /// of such an epoch is of the run that reused it, even one numbered
    /// `hw + 1` and stamped above the change at `hw`, which neither the
    /// hash nor the stamp tells apart (a node that predates
    /// `ChangeBatch.chainBefore` does not send the chain that would): it is
    /// refused until its node moves it into a new epoch. Taken, it was
    /// judged without the changes before it in its own run (an update of a
    /// row whose insert was among the refused ones: not applied), and that
    /// judgement stuck to it by its content after the move, so the node's
    /// update never reached the hub
    /// (`aReusedEpochsLaterChangesAreRefusedUntilTheNodeMovesThem`). Kept
    /// for as long as the hub runs; the node's move goes above every epoch here.
    private var reusedEpochs: Set<OriginEpoch> = []
    private var clock: HybridClock
    private var ownSeq: UInt64 = 0
    private var lastStatusAt: UInt64?
    /// Nodes whose record changed in memory only (heartbeats), saved
    /// together every `nodeSaveIntervalMillis`: at 500 nodes a durable
    /// commit per heartbeat would be 500 fsyncs a second.
    private var unsavedNodes: Set<NodeID> = []
    private var lastNodeSaveAt: UInt64?
    private var nodeSaveIntervalMillis: UInt64 { 5_000 }
    private var lastGCAt: UInt64?
    /// When event rows past their retention were last dropped (§12.1), and how often.
    private var lastExpiryAt: UInt64?
    private var expiryIntervalMillis: UInt64 { 10 * 60 * 1000 }
    /// Mutable rows retired per sweep at most, so one commit stays small.
    private var retiredPerSweep: Int { 1000 }
    private var snapshotCounter = 0
    /// The log's histories (§9.6), published with every status.
    public private(set) var history: HubHistory
    /// Per origin and epoch, the highest seq whose log record was pruned (§12.3).
    private var prunedThrough: [OriginEpoch: UInt64]
    /// The log's seq after which every entry was checked, when it was
    /// logged, under this schema's `changeCheckID`: a resend answer of
    /// entries past it goes out undecoded. Moved with the store's, past an
    /// entry the hub made that does not fit (`HubIngest.uncheckedThrough`).
    private var logCheckedAfter: UInt64

    /// - Parameter codec: how messages are decoded (default: the
    ///   configuration's schema with the default limits).
    public init(configuration: Configuration, store: Store, codec: WireCodec? = nil) throws {
        self.configuration = configuration
        self.store = store
        self.codec = codec ?? WireCodec(schema: configuration.schema)
        let start = try store.start()
        epoch = start.epoch
        lastSeq = start.lastSeq
        heads = start.heads
        floors = start.floors
        nodes = start.nodes
        entryBytesChannels = Self.channelsReadingEntryBytes(
            fleet: configuration.fleet, schema: configuration.schema, nodes: start.nodes)
        highWaters = start.highWaters
        history = start.history
        prunedThrough = start.prunedThrough
        logCheckedAfter = try store.logCheckedAfter(checkID: configuration.schema.changeCheckID)
        clock = HybridClock(last: start.clock, maxForwardDriftMillis: configuration.maxClockDriftMillis)
        for (key, mark) in highWaters {
            maxEpoch[key.origin] = max(maxEpoch[key.origin] ?? 0, key.epoch)
            lastStamps[key.origin] = max(lastStamps[key.origin] ?? .zero, mark.hlc)
            if mark.hlc == .zero, mark.seq > 0 { unstampedOrigins.insert(key.origin) }
        }
    }

    public func highWater(origin: NodeID, epoch: UInt64) -> HighWater? {
        highWaters[OriginEpoch(origin: origin, epoch: epoch)]
    }

    // MARK: Receiving

    /// Decodes and handles a payload that arrived on `topic`.
    public func receive(topic: String, payload: [UInt8], now: UInt64) -> Result {
        receive(
            topic: topic, checked: Swift.Result { () throws(WireError) in try codec.decodeChecked(payload) }, now: now)
    }

    /// Handles a payload that arrived on `topic` as `codec` decoded it
    /// (elsewhere: the hub decodes the next message while this one is handled).
    public func receive(topic: String, checked: Swift.Result<CheckedMessage, WireError>, now: UInt64) -> Result {
        switch checked {
        case .success(let checked): handle(topic: topic, message: checked.message, now: now)
        case .failure(let error): reject(error)
        }
    }

    /// Handles a message decoded elsewhere (the simulator's broker passes
    /// values): validated here as the codec would, since nothing past this
    /// point may see an out-of-range number.
    public func receive(topic: String, message: WireMessage, now: UInt64) -> Result {
        if let problem = message.problem(maxItems: codec.maxItemsPerMessage, schema: codec.schema) {
            return reject(WireError(.invalid, problem))
        }
        return handle(topic: topic, message: message, now: now)
    }

    /// Handles a valid message that arrived on `topic`. Never throws: a
    /// refused message is counted and changes nothing; a store failure leaves
    /// the engine as it was and acks nothing, so the node will resend.
    private func handle(topic: String, message: WireMessage, now: UInt64) -> Result {
        guard let source = Topics.parseNodeTopic(topic), source.kind != .down else {
            return reject(WireError(.unauthorized, "message on a topic nodes do not publish to"))
        }
        guard let member = configuration.fleet[source.node], member.mall == source.mall else {
            return reject(WireError(.unauthorized, "node \(source.node) is not in the fleet"))
        }
        guard Self.kind(of: message) == source.kind else {
            return reject(
                WireError(.unauthorized, "\(message.type) does not belong on a \(source.kind.rawValue) topic"))
        }
        guard allow(source.node, &messageAllowances, configuration.messageRate, now: now) else {
            return reject(WireError(.rateLimited, "node \(source.node) sends more than its allowance"))
        }
        if case .changes(let batch) = message,
            !allow(source.node, &changeAllowances, configuration.changeRate, count: batch.changes.count, now: now)
        {
            return reject(WireError(.rateLimited, "node \(source.node) sends changes faster than allowed"))
        }
        do {
            switch (source.kind, message) {
            case (.birth, .birth(let birth)) where birth.node == source.node:
                guard birth.mall == member.mall, birth.role == member.role else {
                    return reject(
                        WireError(.unauthorized, "node \(source.node) is a \(member.role.rawValue) of \(member.mall)"))
                }
                let cursorsCount = reportsCurrentHistory(birth.history)
                try touch(source.node, member: member, now: now, sentAt: birth.sentAt) {
                    $0.online = true
                    $0.epoch = birth.epoch
                    $0.software = birth.software
                    // Only an encoding this hub knows is kept: whatever else a
                    // device sends means JSON, and need not be stored.
                    $0.entryEncoding = birth.entryEncoding == Change.bytesEncoding ? Change.bytesEncoding : nil
                    if cursorsCount { $0.cursors = birth.cursors }
                }
                entryBytesChannels = Self.channelsReadingEntryBytes(
                    fleet: configuration.fleet, schema: configuration.schema, nodes: nodes)
                maxEpoch[source.node] = max(maxEpoch[source.node] ?? 0, birth.epoch)
                return Result(outgoing: [status(now: now)])
            case (.death, .death(let death)) where death.node == source.node:
                guard let record = nodes[source.node], record.epoch <= death.epoch else { return Result() }
                try touch(source.node, member: member, now: now, sentAt: nil) { $0.online = false }
                return Result()
            case (.up, .heartbeat(let beat)) where beat.node == source.node:
                // The epoch stays the birth's: the node's last will names that
                // one, even after the node moved to a new epoch.
                // Durable at once only when it brings the node back online.
                let transition = nodes[source.node]?.online != true
                let cursorsCount = reportsCurrentHistory(beat.history)
                try touch(source.node, member: member, now: now, sentAt: beat.sentAt, durable: transition) {
                    $0.online = true
                    if cursorsCount { $0.cursors = beat.cursors }
                    $0.outboxDepth = beat.outboxDepth
                    $0.oldestUnsyncedAt = beat.oldestUnsyncedAt
                }
                return Result()
            case (.up, .changes(let batch)) where batch.node == source.node:
                if let followed = batch.history, let current = history.marks.last?.id, followed != current {
                    // Sent before the node heard of a restore: it sends all of
                    // it again, in the order made, once it has (§9.6).
                    return Result()
                }
                return try ingest(batch, member: member, now: now)
            case (.up, .resend(let request)) where request.node == source.node:
                guard member.channels(in: configuration.schema).contains(request.channel) else {
                    return reject(WireError(.unauthorized, "node \(source.node) does not replicate \(request.channel)"))
                }
                return Result(outgoing: try resend(request, now: now))
            case (.up, .snapshotRequest(let request)) where request.node == source.node:
                guard member.channels(in: configuration.schema).contains(request.channel) else {
                    return reject(WireError(.unauthorized, "node \(source.node) does not replicate \(request.channel)"))
                }
                let resume =
                    request.windowed == true ? request.resume.flatMap { resumable($0, in: request.channel) } : nil
                // Keyed by a channel the node replicates only, so made-up
                // channel names cannot grow the table. A window that goes on
                // with a snapshot already started costs one window, not a start.
                guard
                    resume != nil
                        || allow(
                            "\(source.node) \(request.channel)", &snapshotAllowances, configuration.snapshotRate,
                            now: now),
                    request.windowed != true
                        || allow(source.node, &snapshotWindowAllowances, configuration.snapshotWindowRate, now: now)
                else {
                    return reject(
                        WireError(.rateLimited, "node \(source.node) asks for snapshots more often than allowed"))
                }
                if request.windowed == true {
                    return Result(
                        outgoing: try snapshotWindow(for: request, resuming: resume, mall: member.mall, now: now))
                }
                return try snapshot(for: request, mall: member.mall)
            case (_, .birth), (_, .death), (_, .heartbeat), (_, .changes), (_, .resend), (_, .snapshotRequest):
                return reject(WireError(.forgedOrigin, "message names another node than its topic \(source.node)"))
            default:
                return reject(WireError(.unauthorized, "\(message.type) is not a node-to-hub message"))
            }
        } catch {
            return Result(storeFailure: "\(error)")
        }
    }

    /// Takes one from the allowance under `key` in `allowances`.
    private func allow(
        _ key: String, _ allowances: inout [String: NodeAllowance], _ rate: NodeAllowance.Rate, count: Int = 1,
        now: UInt64
    ) -> Bool {
        allowances[key, default: NodeAllowance(rate: rate, now: now)].take(count, now: now)
    }

    /// The topic kind a node-to-hub message must arrive on.
    private static func kind(of message: WireMessage) -> Topics.NodeTopic {
        switch message {
        case .birth: .birth
        case .death: .death
        case .changes, .heartbeat, .resend, .snapshotRequest: .up
        case .ack, .batch, .snapshotPart, .control, .hubStatus: .down
        }
    }

    private func reject(_ error: any Error) -> Result {
        let wireError = (error as? WireError) ?? WireError(.malformed, "undecodable")
        rejections[wireError.code, default: 0] += 1
        return Result(rejection: wireError)
    }

    // MARK: Ingest

    private func ingest(_ batch: ChangeBatch, member: FleetMember, now: UInt64) throws -> Result {
        for change in batch.changes {
            if change.id.origin != batch.node {
                return reject(WireError(.forgedOrigin, "change from \(change.id.origin) sent by \(batch.node)"))
            }
            guard change.channel.mall == member.mall else {
                return reject(WireError(.unauthorized, "node \(batch.node) may not write on \(change.channel)"))
            }
            if let violation = configuration.schema.violation(of: change) {
                return reject(WireError(.invalid, violation))
            }
            if let refusal = configuration.schema.rights.refusal(of: change, by: member.role) {
                return reject(WireError(.unauthorized, refusal))
            }
            if change.op == .insert, let owner = keyOwner(change.key), owner != batch.node {
                return reject(WireError(.unauthorized, "row key \(change.table)/… names \(owner), not \(batch.node)"))
            }
        }
        recordSkew(of: batch.node, member: member, sentAt: batch.sentAt, now: now)

        var plan = HubIngest()
        var result = Result()
        var work = IngestWork(store: store, lastSeq: lastSeq, heads: heads)
        var ackPoints: [UInt64: AckEntry] = [:]
        var clock = self.clock
        var ownSeq = self.ownSeq
        var reusedEpoch: UInt64?
        var stampProblem: String?
        var foreignRow: String?
        var originStamp = lastStamps[batch.node] ?? .zero

        // Every read of the loop in one transaction of the store; the commit after it.
        try store.readingTogether {
            if let first = batch.changes.first, chainBeforeDiffers(first, chainBefore: batch.chainBefore) {
                reusedEpoch = first.id.epoch
                return
            }
            for change in batch.changes {
                let key = OriginEpoch(origin: change.id.origin, epoch: change.id.epoch)
                if reusedEpochs.contains(key) {
                    reusedEpoch = change.id.epoch
                    break
                }
                let current = plan.highWaters[key] ?? highWaters[key]
                let hash = change.contentHash
                if let current, change.id.seq <= current.seq {
                    guard let logged = try work.newLogged[change.id] ?? store.logged(change.id) else {
                        guard change.id.seq <= prunedThrough[key] ?? 0 else {
                            reusedEpoch = change.id.epoch
                            break
                        }
                        // Taken long ago, its record pruned (§12.3): a duplicate, acknowledged
                        // at the high-water mark, whose chain is kept.
                        ackPoints[change.id.epoch] = AckEntry(
                            epoch: change.id.epoch, upTo: current.seq, hash: current.chain)
                        result.duplicates += 1
                        continue
                    }
                    guard logged.hash == hash else {
                        reusedEpoch = change.id.epoch
                        break
                    }
                    ackPoints[change.id.epoch] = AckEntry(
                        epoch: change.id.epoch, upTo: change.id.seq, hash: logged.chain)
                    result.duplicates += 1
                    continue
                }
                guard change.id.seq == (current?.seq ?? 0) + 1 else { break }
                // A change renumbered by its node keeps its stamp, and the hub
                // took it stamped at most `originStamp`: one stamped above has
                // never been here, and the look-up by content (an index probe,
                // a tenth of the hub's work per change) is for the others.
                let mayBeRenumbered = change.hlc <= originStamp || unstampedOrigins.contains(change.id.origin)
                let renumbered = try mayBeRenumbered && work.isLogged(origin: change.id.origin, contentHash: hash)
                if !renumbered {
                    let bounds = StampBounds(
                        previousInEpoch: current?.hlc ?? .zero, previousOfOrigin: originStamp, now: now,
                        limits: configuration.stampLimits)
                    // Stamped below the change the hub holds at `hw` of this epoch: a
                    // node whose disk lost the commits of that change, its epoch
                    // bump among them, and that came back to the same epoch (a
                    // replay after a hub restore renumbers as the lost run did,
                    // §9.6). Its own next change follows its own `hw - 1`, not the
                    // hub's: a new epoch sorts it out (§8.5), as for a mismatched
                    // hash, which this change cannot show. A node lying about its
                    // clock gains nothing by it.
                    if change.hlc < bounds.previousInEpoch {
                        reusedEpoch = change.id.epoch
                        break
                    }
                    if let problem = bounds.problem(with: change.hlc) {
                        stampProblem = problem
                        break
                    }
                    originStamp = max(originStamp, change.hlc)
                }
                let row = try renumbered ? nil : work.row(change.row, in: plan)
                if let row, row.channel != change.channel {
                    // Keys are fleet-wide: a node of one mall naming a row of
                    // another (or of another channel) must not reach it. Refused
                    // before it is taken: no high water and no ack name it.
                    foreignRow = "\(change.table) row of \(row.channel) written on \(change.channel)"
                    break
                }
                let logged = LoggedChange(
                    hash: hash, chain: SequenceChain.next(after: current?.chain ?? "", contentHash: hash))
                plan.highWaters[key] = HighWater(
                    seq: change.id.seq, chain: logged.chain, hlc: max(current?.hlc ?? .zero, change.hlc))
                ackPoints[change.id.epoch] = AckEntry(epoch: change.id.epoch, upTo: change.id.seq, hash: logged.chain)
                if renumbered {
                    // Renumbered by its node after the hub had it: same change, new id.
                    plan.aliases.append((change.id, logged))
                    work.newLogged[change.id] = logged
                    result.duplicates += 1
                    continue
                }
                // A row whose tombstone the hub collected is no new row (§12): an
                // insert of its key, a node's insert replayed to a restored hub
                // after another node's delete of it was taken and collected,
                // would bring it back.
                let collected = try change.op == .insert && row == nil && store.wasCollected(change.row)
                let refusal =
                    collected
                    ? "\(change.table)/\(change.key) was deleted: a node may only insert new rows"
                    : configuration.schema.rights.conflict(of: change, by: member.role, current: row?.state)
                if let reason = refusal {
                    // Taken, so the node's outbox moves on, but not applied: the
                    // hub's state stands, the ledger says why, and a correction
                    // undoes it at the origin, which applied it when it decided.
                    plan.aliases.append((change.id, logged))
                    work.newLogged[change.id] = logged
                    // Found by content too: sent again under another id (an epoch
                    // move, a replay to a restored hub), it is the same change,
                    // not a new one to judge again.
                    work.newContent.insert("\(change.id.origin)\u{1F}\(hash)")
                    result.notApplied.append(change)
                    for correction in NotApplied(change: change, reason: reason, row: row?.state, collected: collected)
                        .corrections(now: now, schema: configuration.schema)
                    {
                        ownSeq += 1
                        let hubChange = Change(
                            id: ChangeID(origin: configuration.hubID, epoch: epoch, seq: ownSeq),
                            hlc: clock.tick(above: change.hlc, physicalMillis: now), table: correction.table,
                            key: correction.key, channel: change.channel, op: correction.op, columns: correction.columns
                        )
                        try work.append(made: hubChange, checkedBy: configuration.schema, into: &plan)
                    }
                    continue
                }
                clock.observe(change.hlc, physicalMillis: now)
                work.append(change, logged: logged, onto: row, into: &plan)
                result.accepted += 1

                for rule in configuration.schema.singleUseRules {
                    guard let claim = rule.claim(for: change) else { continue }
                    let tally = try work.addClaim(claim, into: &plan)
                    guard let outcome = SingleUseRule.conflict(kind: rule.kind, tally: tally) else { continue }
                    result.conflicts.append(outcome)
                    guard configuration.schema.recordsConflicts(on: claim.channel.kind) else { continue }
                    ownSeq += 1
                    let decided = Change(
                        id: ChangeID(origin: configuration.hubID, epoch: epoch, seq: ownSeq),
                        hlc: clock.tick(physicalMillis: now), table: ConflictLedger.tableName, key: outcome.rowKey,
                        channel: claim.channel, op: .insert, columns: outcome.ledgerColumns(now: now))
                    try work.append(made: decided, checkedBy: configuration.schema, into: &plan)
                }
            }
        }

        if !plan.isEmpty {
            plan.clock = clock.last
            try store.commit(plan)
            if let unchecked = plan.uncheckedThrough { logCheckedAfter = max(logCheckedAfter, unchecked) }
            self.clock = clock
            self.ownSeq = ownSeq
            lastSeq = work.lastSeq
            for (key, mark) in plan.highWaters {
                highWaters[key] = mark
                maxEpoch[key.origin] = max(maxEpoch[key.origin] ?? 0, key.epoch)
                lastStamps[key.origin] = max(lastStamps[key.origin] ?? .zero, mark.hlc)
            }
            result.outgoing += fanOut(plan.entries.map(\.entry), previousHeads: heads)
            heads = work.heads
        }
        if result.accepted > 0 { result.changes = batch.changes }
        let acks = ackPoints.keys.sorted().map { ackPoints[$0]! }
        if !acks.isEmpty {
            result.outgoing.append(
                Outgoing(
                    topic: Topics.node(batch.node, mall: member.mall, .down),
                    message: .ack(Ack(node: batch.node, acks: acks))))
        }
        if let foreignRow {
            rejections[.unauthorized, default: 0] += 1
            result.rejection = WireError(.unauthorized, "node \(batch.node): \(foreignRow)")
        }
        if let stampProblem {
            rejections[.clockOutOfBounds, default: 0] += 1
            result.rejection = WireError(.clockOutOfBounds, "node \(batch.node): \(stampProblem)")
        }
        if let reusedEpoch {
            reusedEpochs.insert(OriginEpoch(origin: batch.node, epoch: reusedEpoch))
            rejections[.epochReuse, default: 0] += 1
            result.rejection = WireError(.epochReuse, "node \(batch.node) reused epoch \(reusedEpoch)")
            let control = Control(
                node: batch.node, command: .epochSuperseded, epoch: reusedEpoch,
                minEpoch: min((maxEpoch[batch.node] ?? reusedEpoch) + 1, WireMessage.maxInteger))
            result.outgoing.append(
                Outgoing(topic: Topics.node(batch.node, mall: member.mall, .down), message: .control(control)))
        }
        return result
    }

    /// Whether the first change of a message is the epoch's next (`hw + 1`)
    /// and the node's chain before it differs from the hub's at `hw` (§8.3):
    /// the hub's changes up to there are of another run of the node's epoch
    /// than the one sending. A message starting at or below `hw` is checked
    /// by its first change's hash, one above is a gap, and a node that does
    /// not send the chain is checked as before it existed.
    private func chainBeforeDiffers(_ first: Change, chainBefore: String?) -> Bool {
        guard let chainBefore,
            let current = highWaters[OriginEpoch(origin: first.id.origin, epoch: first.id.epoch)],
            first.id.seq == current.seq + 1
        else { return false }
        return chainBefore != current.chain
    }

    /// Whether cursors a node reports under `followed` are positions in the
    /// current log (§9.6). Reported under a history the log has since gone
    /// back on (sent before the node heard of a restore), they may lie past
    /// entries the node has not applied in this one: counted for tombstone
    /// collection (§12), they would let the hub collect a tombstone the node
    /// never received, and the node would keep the row for good. A node that
    /// has seen no history yet (or predates them) names none.
    func reportsCurrentHistory(_ followed: String?) -> Bool {
        guard let followed, let current = history.marks.last?.id else { return true }
        return followed == current
    }

    /// The node a row key names as its writer. A node may not insert under
    /// another's name: the key would be taken before its owner writes it,
    /// and the owner's row then never applied.
    ///
    /// Nodes key their rows `{prefix}-{node}-{epoch}-{seq}`: a fleet id (or
    /// the hub's) between the prefix and two numbers is the writer, even
    /// where a longer id would also match (`gp-g1-2-5`, g1's change 5 of
    /// epoch 2, beside a node `g1-2`). Any other key names the longest
    /// fleet id that follows its prefix and is followed by `-`.
    public func keyOwner(_ key: String) -> NodeID? {
        let parts = key.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        if parts.count >= 4,
            parts.suffix(2).allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } })
        {
            let named = parts.dropFirst().dropLast(2).joined(separator: "-")
            if configuration.fleet[named] != nil || named == configuration.hubID { return named }
        }
        var owner: NodeID?
        var candidate = ""
        for part in parts.dropFirst().dropLast() {
            candidate += candidate.isEmpty ? String(part) : "-\(part)"
            if configuration.fleet[candidate] != nil || candidate == configuration.hubID { owner = candidate }
        }
        return owner
    }

    // MARK: The hub's own writes

    /// Writes made at the hub itself (imports, admin actions): logged, merged,
    /// checked against the single-use rules and fanned out like any change,
    /// with the hub as origin.
    public func write(_ writes: [LocalWrite], mall: String, now: UInt64) throws -> Result {
        var plan = HubIngest()
        var work = IngestWork(store: store, lastSeq: lastSeq, heads: heads)
        var clock = self.clock
        var ownSeq = self.ownSeq
        var result = Result()
        for write in writes {
            guard let table = configuration.schema.tables[write.table],
                let kind = write.channelKind ?? (table.channelKinds.count == 1 ? table.channelKinds.first : nil)
            else { throw SyncError(.invalidWrite, "table \(write.table) unknown or needs a channel kind") }
            let ref = RowRef(table: write.table, key: write.key)
            let row = try work.row(ref, in: plan)
            // A delete is final (§10), and the hub's log is the one the fleet
            // follows: an insert of a deleted row is refused (of one whose
            // tombstone was collected it would bring the row back here while
            // a node still holding the tombstone keeps it deleted), and an
            // update or delete of a row not held inserted changes nothing
            // (it would leave a row of cells with no insert).
            let collected = try row == nil && store.wasCollected(ref)
            if row?.state.isTombstone == true || collected {
                guard write.op != .insert else {
                    throw SyncError(.invalidWrite, "\(write.table)/\(write.key) was deleted")
                }
                continue
            }
            if write.op != .insert, row?.state.inserted != true { continue }
            ownSeq += 1
            let change = Change(
                id: ChangeID(origin: configuration.hubID, epoch: epoch, seq: ownSeq),
                hlc: clock.tick(physicalMillis: now), table: write.table, key: write.key,
                channel: Channel(mall: mall, kind: kind), op: write.op, columns: write.columns)
            if let violation = configuration.schema.violation(of: change) { throw SyncError(.invalidWrite, violation) }
            if let row, row.channel != change.channel {
                throw SyncError(.invalidWrite, "\(write.table)/\(write.key) belongs to \(row.channel)")
            }
            // An event is a fact: written once, never overwritten (a second
            // revocation of one code must not replace the first's reason).
            if table.kind == .events, row?.state.inserted == true {
                throw SyncError(.invalidWrite, "\(write.table)/\(write.key) exists and is append-only")
            }
            work.append(change, logged: LoggedChange(hash: change.contentHash, chain: ""), onto: row, into: &plan)
            result.accepted += 1
        }
        guard !plan.isEmpty else { return result }
        plan.clock = clock.last
        try store.commit(plan)
        self.clock = clock
        self.ownSeq = ownSeq
        lastSeq = work.lastSeq
        result.outgoing = fanOut(plan.entries.map(\.entry), previousHeads: heads)
        heads = work.heads
        return result
    }

    // MARK: Downstream

    /// The channels every node of which (by the fleet) said in its last birth
    /// that it reads live batches as `entryBytes` (§7.2). A batch on a channel
    /// topic reaches every node of the channel, so one node not yet heard
    /// from, or an older one that reads JSON only, keeps the channel on JSON.
    /// Bytes cost the hub and each node a fraction of JSON's encoding and
    /// decoding, which led the profile of a gate draining its backlog.
    private static func channelsReadingEntryBytes(
        fleet: [NodeID: FleetMember], schema: SyncSchema, nodes: [NodeID: NodeRecord]
    ) -> Set<Channel> {
        var reading = Set<Channel>()
        var notReading = Set<Channel>()
        for (node, member) in fleet {
            if nodes[node]?.entryEncoding == Change.bytesEncoding {
                reading.formUnion(member.channels(in: schema))
            } else {
                notReading.formUnion(member.channels(in: schema))
            }
        }
        return reading.subtracting(notReading)
    }

    /// Live batches for the channels these new entries belong to.
    private func fanOut(_ entries: [LogEntry], previousHeads: [Channel: UInt64]) -> [Outgoing] {
        var byChannel: [Channel: [LogEntry]] = [:]
        for entry in entries { byChannel[entry.change.channel, default: []].append(entry) }
        var out: [Outgoing] = []
        for channel in byChannel.keys.sorted() {
            var prev = previousHeads[channel] ?? 0
            for chunk in MessageBudget.chunks(
                byChannel[channel]!, maxItems: configuration.maxEntriesPerMessage,
                size: { MessageBudget.size(of: $0.change) })
            {
                let upTo = chunk.last!.seq
                let batch = LogBatch(
                    channel: channel, prev: prev, upTo: upTo, entries: Array(chunk), history: history.marks.last?.id,
                    entriesAsBytes: entryBytesChannels.contains(channel))
                out.append(Outgoing(topic: Topics.channel(channel), message: .batch(batch)))
                prev = upTo
            }
        }
        return out
    }

    private func resend(_ request: ResendRequest, now: UInt64) throws -> [Outgoing] {
        let channel = request.channel
        let down = Topics.node(request.node, mall: channel.mall, .down)
        if request.after < floors[channel] ?? 0 {
            let control = Control(node: request.node, command: .resnapshot, channel: channel)
            return [Outgoing(topic: down, message: .control(control))]
        }
        let head = heads[channel] ?? 0
        // Nothing after the cursor: the node is caught up (or ahead of a hub
        // restored from an older disk, which a batch could not fix).
        guard request.after < head else { return [] }
        let limit = configuration.maxResendEntries
        // A read that stopped at the limit reaches its last entry; a shorter one, the head.
        func through(_ read: [some SequencedEntry]) -> UInt64 { read.count < limit ? head : read.last?.seq ?? head }
        // Entries checked when they were logged, to a node that reads bytes:
        // sent as the store holds them. Decoding each one to check it again
        // and measure it was a fifth of a catch-up's CPU.
        if request.entryEncoding == Change.bytesEncoding, request.after >= logCheckedAfter {
            let read = try store.entryBytes(channel: channel, after: request.after, limit: limit)
            let chunks = MessageBudget.chunks(
                read, maxItems: configuration.maxEntriesPerMessage, size: MessageBudget.size(asBytes:))
            return answer(request, head: head, through: through(read), chunks) {
                var batch = $0
                batch.entriesAsBytes = true
                batch.encodedEntries = $1.isEmpty ? nil : LogEntry.bytes(of: $1)
                return batch
            }
        }
        let read = try store.entries(channel: channel, after: request.after, limit: limit)
        // An entry logged before the schema bounded its values (a hub from
        // an older version) would make the node refuse the whole batch for
        // good: it is left out, and the range still moves past it.
        let entries = read.filter { configuration.schema.violation(of: $0.change) == nil }
        let chunks = MessageBudget.chunks(
            entries, maxItems: configuration.maxEntriesPerMessage, size: { MessageBudget.size(of: $0.change) })
        return answer(request, head: head, through: through(read), chunks) {
            var batch = $0
            batch.entries = Array($1)
            batch.entriesAsBytes = request.entryEncoding == Change.bytesEncoding
            return batch
        }
    }

    /// A resend answer's batches, one per chunk, the last reaching
    /// `through`; `fill` puts a chunk's entries into its batch.
    private func answer<Item>(
        _ request: ResendRequest, head: UInt64, through: UInt64, _ chunks: [ArraySlice<Item>],
        fill: (LogBatch, ArraySlice<Item>) -> LogBatch
    ) -> [Outgoing] where Item: SequencedEntry {
        // Entries may all have been collected: the range still moves the cursor.
        let chunks = chunks.isEmpty ? [[]] : chunks
        let down = Topics.node(request.node, mall: request.channel.mall, .down)
        var out: [Outgoing] = []
        var prev = request.after
        for (index, chunk) in chunks.enumerated() {
            let last = index == chunks.count - 1
            let upTo = last ? through : chunk.last?.seq ?? through
            let batch = LogBatch(
                channel: request.channel, prev: prev, upTo: upTo, entries: [], history: history.marks.last?.id,
                more: last && upTo < head)
            out.append(Outgoing(topic: down, message: .batch(fill(batch, chunk))))
            prev = upTo
        }
        return out
    }

    /// The whole channel at once, for a node from before windows (§9.5):
    /// it reads the channel into memory, so it is refused for a channel
    /// larger than `maxWholeSnapshotRows`.
    private func snapshot(for request: SnapshotRequest, mall: String) throws -> Result {
        let channel = request.channel
        let count = try store.rowCount(in: channel)
        guard count <= configuration.maxWholeSnapshotRows else {
            return reject(
                WireError(
                    .tooLarge,
                    "\(channel) holds \(count) rows, more than the \(configuration.maxWholeSnapshotRows) "
                        + "a whole-channel snapshot may hold: node \(request.node) must ask in windows (§9.5)"))
        }
        // Rows stored before the schema bounded their values are left out,
        // as in `resend`: one would make the node refuse the snapshot.
        let rows = try store.rows(in: channel).filter { configuration.schema.violation(of: $0) == nil }
        let at = heads[channel] ?? 0
        return Result(
            outgoing: try parts(of: rows, for: request, id: newSnapshotID(at: at), at: at, window: nil, mall: mall))
    }

    private func newSnapshotID(at: UInt64) -> String {
        snapshotCounter += 1
        return "\(epoch)-\(at)-\(snapshotCounter)"
    }

    /// Rows in parts of at most `snapshotRowsPerPart` and the message
    /// budget (one empty part for none), each with the acks for the
    /// request's outbox.
    private func parts(
        of rows: [SnapshotRow], for request: SnapshotRequest, id: String, at: UInt64, window: SnapshotWindow?,
        mall: String
    ) throws -> [Outgoing] {
        let acks = try acks(for: request.node, outbox: request.outbox ?? [])
        let asBytes = request.rowEncoding == SnapshotRow.bytesEncoding
        var chunks = MessageBudget.chunks(
            rows, maxItems: configuration.snapshotRowsPerPart,
            size: asBytes ? MessageBudget.size(asBytes:) : MessageBudget.size(of:))
        if chunks.isEmpty { chunks = [[]] }
        let down = Topics.node(request.node, mall: mall, .down)
        return chunks.enumerated().map { part, rows in
            let message = SnapshotPart(
                node: request.node, channel: request.channel, snapshotID: id, at: at, part: part,
                parts: chunks.count, rows: Array(rows), acks: acks.isEmpty ? nil : acks,
                history: history.marks.last?.id, window: window, rowsAsBytes: asBytes)
            return Outgoing(topic: down, message: .snapshotPart(message))
        }
    }

    /// Whether a windowed snapshot can go on from `progress` (§9.5): it was
    /// started in the current log history, and its `at` is still within the
    /// log (at or above the floor, at or below the head). Otherwise the
    /// snapshot starts over.
    private func resumable(_ progress: SnapshotProgress, in channel: Channel) -> SnapshotProgress? {
        guard progress.history == history.marks.last?.id else { return nil }
        return progress.at >= (floors[channel] ?? 0) && progress.at <= (heads[channel] ?? 0) ? progress : nil
    }

    /// One window of a windowed snapshot (§9.5): the next
    /// `snapshotRowsPerWindow` rows after where the node stands, read from
    /// the store without reading the rest of the channel, in parts.
    private func snapshotWindow(
        for request: SnapshotRequest, resuming from: SnapshotProgress?, mall: String, now: UInt64
    ) throws -> [Outgoing] {
        let channel = request.channel
        let at = from?.at ?? heads[channel] ?? 0
        let id = from?.snapshotID ?? newSnapshotID(at: at)
        let read = try store.rows(in: channel, after: from?.through, limit: configuration.snapshotRowsPerWindow)
        // Rows stored before the schema bounded their values are left out,
        // as in `resend`; the position still moves past them.
        let rows = read.filter { configuration.schema.violation(of: $0) == nil }
        let chainVersion = SnapshotChain.Version.served(asked: request.chainVersion)
        let window = SnapshotWindow(
            after: from?.through, through: read.last?.ref ?? from?.through,
            last: read.count < configuration.snapshotRowsPerWindow,
            chain: SnapshotChain.next(after: from?.chain ?? "", rows: rows, version: chainVersion),
            total: from == nil ? try store.rowCount(in: channel) : nil,
            chainVersion: chainVersion == .canonical ? nil : chainVersion.rawValue)
        if window.last {
            snapshotsServed[request.node] = nil
        } else {
            snapshotsServed[request.node] = ServedSnapshot(
                channel: channel, snapshotID: id, at: at, sent: (from?.held ?? 0) + UInt64(rows.count),
                total: window.total ?? from?.total, lastWindowAt: now)
        }
        return try parts(of: rows, for: request, id: id, at: at, window: window, mall: mall)
    }

    /// For each epoch of a node's outbox, the last of its changes up to the
    /// node's position that the hub took, with the epoch's chain there: an ack
    /// the node can check against its own chain however far either side got.
    /// Everything the hub took is merged into the rows of its snapshot.
    private func acks(for node: NodeID, outbox: [EpochPosition]) throws -> [AckEntry] {
        try outbox.compactMap { position in
            guard let mark = highWaters[OriginEpoch(origin: node, epoch: position.epoch)], position.seq > 0 else {
                return nil
            }
            if position.seq >= mark.seq { return AckEntry(epoch: position.epoch, upTo: mark.seq, hash: mark.chain) }
            let id = ChangeID(origin: node, epoch: position.epoch, seq: position.seq)
            return try store.logged(id).map { AckEntry(epoch: position.epoch, upTo: position.seq, hash: $0.chain) }
        }
    }

    // MARK: Time

    /// Periodic work: the retained status with heads and floors, and tombstone collection.
    public func tick(now: UInt64) throws -> [Outgoing] {
        var out: [Outgoing] = []
        if Timer.isDue(since: lastGCAt, every: configuration.gcIntervalMillis, now: now) {
            lastGCAt = now
            try collectTombstones(now: now)
        }
        if Timer.isDue(since: lastExpiryAt, every: expiryIntervalMillis, now: now) {
            lastExpiryAt = now
            _ = try store.dropExpired(now: now)
            for (key, seq) in try store.pruneLog(now: now, horizonMillis: configuration.dedupeHorizonMillis) {
                prunedThrough[key] = max(prunedThrough[key] ?? 0, seq)
            }
            out += try retire(now: now)
        }
        if Timer.isDue(since: lastStatusAt, every: configuration.statusIntervalMillis, now: now) {
            out.append(status(now: now))
        }
        if !unsavedNodes.isEmpty, Timer.isDue(since: lastNodeSaveAt, every: nodeSaveIntervalMillis, now: now) {
            try store.saveNodes(unsavedNodes.sorted().compactMap { nodes[$0] })
            unsavedNodes = []
            lastNodeSaveAt = now
        }
        return out
    }

    /// Deletes the mutable rows whose time has come (§12.2): changes of the
    /// hub's own, so every replica of their channel forgets them too, and
    /// their tombstones are collected like any other.
    private func retire(now: UInt64) throws -> [Outgoing] {
        let due = try store.rowsToRetire(now: now, limit: retiredPerSweep)
        var out: [Outgoing] = []
        for (mall, rows) in Dictionary(grouping: due, by: \.channel.mall).sorted(by: { $0.key < $1.key }) {
            let deletes = rows.map {
                LocalWrite(table: $0.ref.table, key: $0.ref.key, op: .delete, channelKind: $0.channel.kind)
            }
            out += try write(deletes, mall: mall, now: now).outgoing
        }
        return out
    }

    public func status(now: UInt64) -> Outgoing {
        lastStatusAt = now
        let channels = Set(heads.keys).union(floors.keys).sorted()
        let message = HubStatus(
            online: true, epoch: epoch, sentAt: now,
            heads: channels.map { ChannelPosition(channel: $0, seq: heads[$0] ?? 0) },
            floors: channels.map { ChannelPosition(channel: $0, seq: floors[$0] ?? 0) },
            history: Array(history.marks.suffix(HistoryMark.kept)), changeEncoding: Change.bytesEncoding)
        return Outgoing(topic: Topics.hubStatus, message: .hubStatus(message), retained: true)
    }

    /// The hub's last will: what the broker publishes if the hub vanishes.
    public func offlineStatus(now: UInt64) -> Outgoing {
        Outgoing(
            topic: Topics.hubStatus,
            message: .hubStatus(HubStatus(online: false, epoch: epoch, sentAt: now, heads: [], floors: [])),
            retained: true)
    }

    /// Collects a channel's tombstones once every subscribed node seen within
    /// the horizon has a cursor past them. A node beyond the horizon is left
    /// out; when it returns below the new floor it is told to re-snapshot.
    private func collectTombstones(now: UInt64) throws {
        for channel in heads.keys.sorted() {
            var safe = heads[channel] ?? 0
            for (id, member) in configuration.fleet where member.channels(in: configuration.schema).contains(channel) {
                guard let record = nodes[id] else {
                    // Never seen: it will bootstrap from a snapshot.
                    continue
                }
                // Checked: a record is the hub's own, but a damaged one must
                // not trap it (past the top, the node counts as seen).
                let (seenUntil, beyond) = record.lastSeen.addingReportingOverflow(configuration.gcHorizonMillis)
                if !beyond, now > seenUntil { continue }
                safe = min(safe, record.cursor(of: channel) ?? 0)
            }
            guard safe > floors[channel] ?? 0, let floor = try store.collectTombstones(channel: channel, through: safe)
            else { continue }
            floors[channel] = max(floors[channel] ?? 0, floor)
        }
    }

    // MARK: Fleet state

    private func touch(
        _ node: NodeID, member: FleetMember, now: UInt64, sentAt: UInt64?, durable: Bool = true,
        _ update: (inout NodeRecord) -> Void
    ) throws {
        var record = nodes[node] ?? NodeRecord(node: node, mall: member.mall, role: member.role)
        record.lastSeen = now
        if let sentAt { record.skewMillis = Int64(clamping: sentAt) - Int64(clamping: now) }
        update(&record)
        if durable {
            try store.saveNodes([record])
            unsavedNodes.remove(node)
        } else {
            unsavedNodes.insert(node)
        }
        nodes[node] = record
    }

    /// Last-seen and skew from a changes message: kept in memory only, so a
    /// batch costs one durable commit, not two; heartbeats persist the record.
    private func recordSkew(of node: NodeID, member: FleetMember, sentAt: UInt64, now: UInt64) {
        var record = nodes[node] ?? NodeRecord(node: node, mall: member.mall, role: member.role)
        record.lastSeen = now
        record.skewMillis = Int64(clamping: sentAt) - Int64(clamping: now)
        nodes[node] = record
    }

    /// Nodes whose clocks are off by more than the configured bound.
    public func skewedNodes() -> [NodeID] {
        nodes.values.filter { abs($0.skewMillis) > configuration.maxSkewMillis }.map(\.node).sorted()
    }
}

/// The scratch state of one ingest: rows and claims read once from the store,
/// then updated in memory until the plan is committed.
private struct IngestWork {
    let store: any HubStore
    var lastSeq: UInt64
    var heads: [Channel: UInt64]
    var newLogged: [ChangeID: LoggedChange] = [:]
    var newContent: Set<String> = []
    var claimsByItem: [String: ClaimTally] = [:]

    init(store: any HubStore, lastSeq: UInt64, heads: [Channel: UInt64]) {
        self.store = store
        self.lastSeq = lastSeq
        self.heads = heads
    }

    /// Appends a change the hub made itself, which nothing checked before:
    /// one that does not fit `schema` is logged all the same (the ledger
    /// and the hub's rows keep it), and named in `uncheckedThrough`.
    mutating func append(made change: Change, checkedBy schema: SyncSchema, into plan: inout HubIngest) throws {
        append(
            change, logged: LoggedChange(hash: change.contentHash, chain: ""), onto: try row(change.row, in: plan),
            into: &plan)
        if schema.violation(of: change) != nil { plan.uncheckedThrough = lastSeq }
    }

    /// Appends `change` onto `current`, the row as `row(_:in:)` returned it
    /// (read once by a caller that also checked it).
    mutating func append(_ change: Change, logged: LoggedChange, onto current: StoredRow?, into plan: inout HubIngest) {
        lastSeq += 1
        let ref = change.row
        var row = current ?? StoredRow(ref: ref, channel: change.channel, seq: 0, state: RowState())
        row.state.apply(change)
        row.seq = lastSeq
        plan.rows[ref] = row
        plan.entries.append((LogEntry(seq: lastSeq, change: change), logged))
        newLogged[change.id] = logged
        newContent.insert("\(change.id.origin)\u{1F}\(logged.hash)")
        heads[change.channel] = lastSeq
    }

    /// The row as the changes taken so far leave it, or nil if never seen.
    func row(_ ref: RowRef, in plan: HubIngest) throws -> StoredRow? {
        try plan.rows[ref] ?? store.row(ref)
    }

    func isLogged(origin: NodeID, contentHash: String) throws -> Bool {
        if newContent.contains("\(origin)\u{1F}\(contentHash)") { return true }
        return try store.loggedID(origin: origin, contentHash: contentHash) != nil
    }

    mutating func addClaim(_ claim: Claim, into plan: inout HubIngest) throws -> ClaimTally {
        let key = "\(claim.kind)\u{1F}\(claim.item)"
        var tally = try claimsByItem[key] ?? store.claimTally(kind: claim.kind, item: claim.item)
        tally.add(claim)
        claimsByItem[key] = tally
        plan.claims.append(claim)
        return tally
    }
}

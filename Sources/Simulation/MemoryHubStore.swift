public import SyncCore

/// An in-memory `HubStore`. The hub's disk is trusted (`synchronous=FULL`), so
/// a crash loses only the engine, never a commit: every method is atomic.
public final class MemoryHubStore: HubStore {
    /// A logged change. `collected` marks a payload tombstone collection has
    /// dropped; the simulator's checks still read it, the protocol never serves it.
    public struct Record: Sendable {
        public var entry: LogEntry
        public var logged: LoggedChange
        public var collected: Bool

        public var hash: String { logged.hash }
    }

    public private(set) var log: [Record] = []
    private var epoch: UInt64 = 0
    /// `logCheckedAfter`'s mark: the check id, the seq, and the epoch of the
    /// run that set or kept it.
    private var logChecked: (checkID: String, after: UInt64, epoch: UInt64)?
    private var clock: HybridTimestamp = .zero
    private var loggedIDs: [ChangeID: LoggedChange] = [:]
    private var idsByContent: [String: ChangeID] = [:]
    private var rows: [Channel: [RowRef: StoredRow]] = [:]
    /// Each channel's rows in snapshot order, for snapshot windows.
    private var orderedRefs: [Channel: BytewiseOrderedRefs] = [:]
    private var seqsByChannel: [Channel: [UInt64]] = [:]
    private var seqsByRow: [RowRef: [UInt64]] = [:]
    private var highWaters: [OriginEpoch: HighWater] = [:]
    /// Every claim on each item, so expired ones can be dropped one by one.
    private var claims: [String: [Claim]] = [:]
    private var nodes: [NodeID: NodeRecord] = [:]
    private var floors: [Channel: UInt64] = [:]
    /// Tombstoned rows by channel, so collection does not scan every row.
    private var tombstones: [Channel: Set<RowRef>] = [:]
    /// Tombstones collected so far, by channel.
    public private(set) var collectedTombstones = 0
    private var history = HubHistory(marks: [])
    private var logMarks: [(at: UInt64, seq: UInt64)] = []
    private var prunedThrough: [OriginEpoch: UInt64] = [:]
    /// Each alias taken, with the log's position then (pruned like a record).
    private var aliasPositions: [(id: ChangeID, position: UInt64)] = []
    /// Set on a store put back from a backup until the hub starts on it:
    /// when the backup was taken and when it was restored.
    private var pendingRestore: HubHistory.Restore?

    /// What the rows are: their tables' retention and retirement, the
    /// single-use rules whose claims leave with them.
    public let schema: SyncSchema

    public init(schema: SyncSchema) {
        self.schema = schema
    }

    public func start() throws -> HubStartState {
        epoch += 1
        if history.marks.isEmpty {
            history.marks = [HistoryMark(id: "h-1", from: 0)]
        } else if let restore = pendingRestore {
            // Unique however often one backup is restored, as the SQLite store's random ids are.
            history.marks.append(HistoryMark(id: "h-\(restore.startedAt)", from: UInt64(log.count)))
            history.restore = restore
            // Past any epoch the lost run used (a simulated day has far
            // fewer hub starts; the SQLite store jumps to the time in seconds).
            epoch += 1_000
            pendingRestore = nil
        }
        var heads: [Channel: UInt64] = [:]
        for (channel, seqs) in seqsByChannel { heads[channel] = seqs.last ?? 0 }
        return HubStartState(
            epoch: epoch, clock: clock, lastSeq: UInt64(log.count), highWaters: highWaters, heads: heads,
            floors: floors, nodes: nodes, history: history, prunedThrough: prunedThrough)
    }

    /// A copy of everything the store holds, as `mall-hub backup` takes one.
    public func backup() -> MemoryHubStore {
        let copy = MemoryHubStore(schema: schema)
        copy.copyContents(of: self)
        return copy
    }

    /// Puts `backup` back in place of this store's contents (the hub must be
    /// stopped), as `mall-hub restore` does: the next start begins a new history.
    public func restore(_ backup: MemoryHubStore, takenAt: UInt64, at now: UInt64) {
        copyContents(of: backup)
        pendingRestore = HubHistory.Restore(startedAt: now, backupTakenAt: takenAt)
    }

    private func copyContents(of other: MemoryHubStore) {
        log = other.log
        epoch = other.epoch
        clock = other.clock
        loggedIDs = other.loggedIDs
        idsByContent = other.idsByContent
        rows = other.rows
        orderedRefs = other.orderedRefs
        seqsByChannel = other.seqsByChannel
        seqsByRow = other.seqsByRow
        highWaters = other.highWaters
        claims = other.claims
        nodes = other.nodes
        floors = other.floors
        tombstones = other.tombstones
        collectedTombstones = other.collectedTombstones
        history = other.history
        logMarks = other.logMarks
        prunedThrough = other.prunedThrough
        aliasPositions = other.aliasPositions
        logChecked = other.logChecked
    }

    public func logged(_ id: ChangeID) throws -> LoggedChange? { loggedIDs[id] }

    public func loggedID(origin: NodeID, contentHash: String) throws -> ChangeID? {
        idsByContent["\(origin)\u{1F}\(contentHash)"]
    }

    public func row(_ ref: RowRef) throws -> StoredRow? {
        for channelRows in rows.values {
            if let row = channelRows[ref] { return row }
        }
        return nil
    }

    public func wasCollected(_ ref: RowRef) throws -> Bool { try row(ref) == nil && seqsByRow[ref] != nil }

    public func claimTally(kind: String, item: String) throws -> ClaimTally {
        ClaimTally(claims["\(kind)\u{1F}\(item)"] ?? [])
    }

    public func commit(_ ingest: HubIngest) throws {
        precondition(
            ingest.entries.first.map { $0.entry.seq == UInt64(log.count) + 1 } ?? true, "log must stay contiguous")
        for (entry, logged) in ingest.entries {
            log.append(Record(entry: entry, logged: logged, collected: false))
            loggedIDs[entry.change.id] = logged
            idsByContent["\(entry.change.id.origin)\u{1F}\(logged.hash)"] = entry.change.id
            seqsByChannel[entry.change.channel, default: []].append(entry.seq)
            seqsByRow[entry.change.row, default: []].append(entry.seq)
        }
        for (id, logged) in ingest.aliases {
            loggedIDs[id] = logged
            aliasPositions.append((id, UInt64(log.count)))
            idsByContent["\(id.origin)\u{1F}\(logged.hash)"] = idsByContent["\(id.origin)\u{1F}\(logged.hash)"] ?? id
        }
        for (ref, row) in ingest.rows {
            if rows[row.channel, default: [:]].updateValue(row, forKey: ref) == nil {
                orderedRefs[row.channel, default: BytewiseOrderedRefs()].insert(ref)
            }
            if row.state.isTombstone { tombstones[row.channel, default: []].insert(ref) }
        }
        for (key, mark) in ingest.highWaters { highWaters[key] = mark }
        if let unchecked = ingest.uncheckedThrough, let marked = logChecked {
            logChecked?.after = max(marked.after, unchecked)
        }
        for claim in ingest.claims { claims["\(claim.kind)\u{1F}\(claim.item)", default: []].append(claim) }
        clock = max(clock, ingest.clock)
    }

    public func entries(channel: Channel, after: UInt64, limit: Int) throws -> [LogEntry] {
        let seqs = seqsByChannel[channel] ?? []
        var low = 0
        var high = seqs.count
        while low < high {
            let mid = (low + high) / 2
            if seqs[mid] <= after { low = mid + 1 } else { high = mid }
        }
        var result: [LogEntry] = []
        var index = low
        while index < seqs.count && result.count < limit {
            let record = log[Int(seqs[index]) - 1]
            if !record.collected { result.append(record.entry) }
            index += 1
        }
        return result
    }

    /// `entries`, encoded: this store keeps changes, not their bytes.
    public func entryBytes(channel: Channel, after: UInt64, limit: Int) throws -> [EntryBytes] {
        try entries(channel: channel, after: after, limit: limit).map { entry in
            var writer = CompactBytes.Writer(capacity: 256)
            writer.change(entry.change)
            return EntryBytes(seq: entry.seq, change: writer.bytes)
        }
    }

    /// As the SQLite store keeps it: standing while each run kept it.
    public func logCheckedAfter(checkID: String) throws -> UInt64 {
        var after = UInt64(log.count)
        if let logChecked, logChecked.checkID == checkID, logChecked.epoch == epoch || logChecked.epoch + 1 == epoch {
            after = logChecked.after
        }
        logChecked = (checkID, after, epoch)
        return after
    }

    public func rows(in channel: Channel) throws -> [SnapshotRow] {
        try rows(in: channel, after: nil, limit: .max)
    }

    public func rows(in channel: Channel, after: RowRef?, limit: Int) throws -> [SnapshotRow] {
        guard let channelRows = rows[channel], let ordered = orderedRefs[channel] else { return [] }
        return ordered.refs(after: after, limit: limit).map { ref in
            let row = channelRows[ref]!
            return SnapshotRow(table: ref.table, key: ref.key, seq: row.seq, state: row.state)
        }
    }

    public func rowCount(in channel: Channel) throws -> UInt64 { UInt64(rows[channel]?.count ?? 0) }

    public func saveNodes(_ records: [NodeRecord]) throws {
        for record in records { nodes[record.node] = record }
    }

    /// What the store holds, by kind: rows by table (tombstones included),
    /// live log records, claims.
    public var holdings: [String: Int] {
        var held: [String: Int] = ["log records": loggedIDs.count, "claims": claims.values.reduce(0) { $0 + $1.count }]
        for row in rows.values.flatMap(\.values) { held[row.ref.table, default: 0] += 1 }
        return held
    }

    public func dropExpired(now: UInt64) throws -> Int {
        var dropped = 0
        for channel in rows.keys.sorted() {
            for (ref, row) in rows[channel]!
            where schema.tables[ref.table]?.hasExpired(row.state, now: now) == true {
                rows[channel]![ref] = nil
                orderedRefs[channel]?.remove(ref)
                for seq in seqsByRow[ref] ?? [] { log[Int(seq) - 1].collected = true }
                for rule in schema.singleUseRules where rule.table == ref.table {
                    guard case .text(let item)? = row.state.cells[rule.itemColumn]?.value else { continue }
                    claims["\(rule.kind)\u{1F}\(item)"]?.removeAll { $0.rowKey == ref.key }
                }
                dropped += 1
            }
        }
        return dropped
    }

    /// As the SQLite store does, except that records stay in `log` (the
    /// simulator's checks read it): only the lookups forget them.
    public func pruneLog(now: UInt64, horizonMillis: UInt64) throws -> [OriginEpoch: UInt64] {
        logMarks.append((now, UInt64(log.count)))
        guard now >= horizonMillis, let bound = logMarks.last(where: { $0.at <= now - horizonMillis }) else {
            return [:]
        }
        logMarks.removeAll { $0.at < bound.at }
        let heads = Set(seqsByChannel.values.compactMap(\.last))
        var pruned: [OriginEpoch: UInt64] = [:]
        for record in log.prefix(Int(bound.seq)) where record.collected && !heads.contains(record.entry.seq) {
            let id = record.entry.change.id
            guard loggedIDs.removeValue(forKey: id) != nil else { continue }
            idsByContent["\(id.origin)\u{1F}\(record.hash)"] = nil
            let key = OriginEpoch(origin: id.origin, epoch: id.epoch)
            pruned[key] = max(pruned[key] ?? 0, id.seq)
        }
        let goneAliases = aliasPositions.filter { $0.position <= bound.seq }
        aliasPositions.removeAll { $0.position <= bound.seq }
        for (id, _) in goneAliases {
            guard let logged = loggedIDs.removeValue(forKey: id) else { continue }
            if idsByContent["\(id.origin)\u{1F}\(logged.hash)"] == id {
                idsByContent["\(id.origin)\u{1F}\(logged.hash)"] = nil
            }
            let key = OriginEpoch(origin: id.origin, epoch: id.epoch)
            pruned[key] = max(pruned[key] ?? 0, id.seq)
        }
        for (key, seq) in pruned { prunedThrough[key] = max(prunedThrough[key] ?? 0, seq) }
        return pruned
    }

    public func rowsToRetire(now: UInt64, limit: Int) throws -> [StoredRow] {
        let due = rows.values.flatMap(\.values).filter { row in
            guard let table = schema.tables[row.ref.table], table.retirement != nil, !row.state.isTombstone,
                let end = table.endOfLife(row.state)
            else { return false }
            return end <= now
        }
        return Array(due.sorted { $0.ref < $1.ref }.prefix(limit))
    }

    public func collectTombstones(channel: Channel, through: UInt64) throws -> UInt64? {
        guard let channelRows = rows[channel], let candidates = tombstones[channel] else { return nil }
        let dead = candidates.compactMap { channelRows[$0] }.filter { $0.seq <= through }.sorted { $0.ref < $1.ref }
        guard !dead.isEmpty else { return nil }
        var floor = floors[channel] ?? 0
        for row in dead {
            rows[channel]![row.ref] = nil
            orderedRefs[channel]?.remove(row.ref)
            tombstones[channel]!.remove(row.ref)
            for seq in seqsByRow[row.ref] ?? [] where seq <= through { log[Int(seq) - 1].collected = true }
            floor = max(floor, row.seq)
        }
        collectedTombstones += dead.count
        floors[channel] = floor
        return floor
    }

    public func node(_ id: NodeID) -> NodeRecord? { nodes[id] }
}

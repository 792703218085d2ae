/// The downstream state of one channel at a node: its cursor, gap detection,
/// resend and snapshot requests.
///
/// A value that takes an event and returns the actions to perform; the caller
/// performs them (an atomic apply, a message) and reports back only by calling
/// `applied` after a successful commit.
public struct ChannelSync: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        /// How long a known gap may stay open before the node asks for it.
        public var catchUpDelayMillis: UInt64
        /// How long to wait for a resend or snapshot window before asking
        /// again. A snapshot window asked for again and again waits twice as
        /// long each time, up to `maxSnapshotBackoffMillis`.
        public var requestTimeoutMillis: UInt64
        public var maxSnapshotBackoffMillis: UInt64

        public init(
            catchUpDelayMillis: UInt64 = 1000, requestTimeoutMillis: UInt64 = 4000,
            maxSnapshotBackoffMillis: UInt64 = 60_000
        ) {
            self.catchUpDelayMillis = catchUpDelayMillis
            self.requestTimeoutMillis = requestTimeoutMillis
            self.maxSnapshotBackoffMillis = max(maxSnapshotBackoffMillis, requestTimeoutMillis)
        }
    }

    public enum Action: Equatable, Sendable {
        /// Apply these entries and set the cursor to `upTo`, in one transaction.
        case apply(entries: [LogEntry], upTo: UInt64)
        case requestResend(after: UInt64)
        /// Ask for the next window of a snapshot, after what `resume` staged
        /// (nil: from the start).
        case requestSnapshot(resume: SnapshotProgress?)
        /// Prune the outbox by `acks` (changes the rows already contain), then
        /// stage one window's rows and `progress` in one transaction (after
        /// dropping what was staged before when `startsOver`); when
        /// `installs`, replace the channel with everything staged, at hub
        /// sequence `progress.at`, in the same transaction. Then call `staged`.
        case stageSnapshot(
            rows: [SnapshotRow], progress: SnapshotProgress, acks: [AckEntry], startsOver: Bool, installs: Bool)
    }

    public let channel: Channel
    public let configuration: Configuration
    /// The hub sequence applied so far; nil until a first snapshot is installed.
    public private(set) var cursor: UInt64?
    public private(set) var knownHead: UInt64 = 0
    public private(set) var knownFloor: UInt64 = 0
    private var behindSince: UInt64?
    /// Set at each (re)connect until the node next asks for a resend: see
    /// `connectionRestored`.
    private var asksFirstGapAtOnce = false
    private var requestedAt: UInt64?
    /// The `upTo` of a batch after which the rest of a resend answer was
    /// asked for before the batch was applied (at `requestedAt`).
    private var resendAheadAfter: UInt64?
    private var snapshotRequested = false
    /// Snapshot windows asked for since the last one arrived whole.
    private var snapshotRetries = 0
    /// What is staged of the snapshot being taken (kept on disk).
    public private(set) var progress: SnapshotProgress?
    private var assembly: WindowAssembly?

    public init(
        channel: Channel, cursor: UInt64?, progress: SnapshotProgress? = nil, configuration: Configuration = .init()
    ) {
        self.channel = channel
        self.cursor = cursor
        self.progress = progress
        self.configuration = configuration
        // A snapshot staged before a restart goes on from where it stood.
        if progress != nil { snapshotRequested = true }
    }

    /// Whether the channel is taking a snapshot: asked for one, or holds part of one.
    public var isTakingSnapshot: Bool { snapshotRequested || cursor == nil }

    public var isBehind: Bool { cursor.map { $0 < knownHead } ?? true }

    public mutating func received(_ batch: LogBatch, now: UInt64) -> [Action] {
        knownHead = max(knownHead, batch.upTo)
        guard let cursor, !snapshotRequested else { return startIfNeeded(now: now) }
        if batch.upTo <= cursor { return [] }
        if batch.prev > cursor {
            if cursor < knownFloor { return requestSnapshot(now: now) }
            return requestResendIfDue(now: now)
        }
        let apply = Action.apply(entries: batch.entries.filter { $0.seq > cursor }, upTo: batch.upTo)
        guard batch.more else { return [apply] }
        // The hub's resend answer stopped short of its head: the rest is
        // asked for before this batch is applied, so that the hub reads it
        // while the node writes this one (as snapshot windows are); still
        // one answer in flight. Should the apply fail, the answer does not
        // follow the cursor and is taken as a gap.
        resendAheadAfter = batch.upTo
        requestedAt = now
        asksFirstGapAtOnce = false
        return [.requestResend(after: batch.upTo), apply]
    }

    /// The hub's periodic heads and floors.
    public mutating func received(head: UInt64, floor: UInt64, now: UInt64) -> [Action] {
        knownHead = max(knownHead, head)
        knownFloor = max(knownFloor, floor)
        guard let cursor, !snapshotRequested else { return startIfNeeded(now: now) }
        if cursor < knownFloor { return requestSnapshot(now: now) }
        return tick(now: now)
    }

    /// The hub says the log no longer reaches back to our cursor.
    public mutating func resnapshotRequired(now: UInt64) -> [Action] {
        requestSnapshot(now: now, force: true)
    }

    /// A part of a snapshot window (§9.5). Taken only while a snapshot is
    /// wanted, and only for the window that follows what is staged: the
    /// next window of the snapshot in progress, or the first window of
    /// another one (the hub started over). A part of a snapshot of the whole
    /// channel (no window: a hub that predates windows) is not taken; the
    /// hub is upgraded first (§16.1).
    public mutating func received(_ part: SnapshotPart, now: UInt64) -> [Action] {
        guard snapshotRequested || cursor == nil, let window = part.window else { return [] }
        // A snapshot older than what is applied would take the replica back.
        if let cursor, part.at < cursor { return [] }
        let continues = progress.map { $0.snapshotID == part.snapshotID && $0.history == part.history } ?? false
        if continues ? window.after != progress?.through : window.after != nil { return [] }
        // The first window of an older snapshot, delivered late, would throw
        // away what is staged; the hub starts over only at its head, or in
        // a new log history (a hub restored from a backup may stand lower).
        if !continues, let progress, progress.history == part.history, part.at < progress.at { return [] }
        if assembly?.holds(part) != true { assembly = WindowAssembly(of: part) }
        assembly!.add(part)
        let staged = continues ? progress : nil
        // Where the snapshot stands after this window; `held` is counted in
        // once the window is whole.
        var next = SnapshotProgress(
            snapshotID: part.snapshotID, at: part.at, through: window.through ?? staged?.through,
            held: staged?.held ?? 0, chain: window.chain, total: window.total ?? staged?.total, history: part.history)
        var actions: [Action] = []
        if !window.last, !assembly!.nextRequested {
            // The next window is asked for as soon as this one's first part
            // is in: the hub reads it while the node takes in and stages
            // this one (asked for once the window was whole, a bootstrap of
            // 1,000,000 rows kept both sides idle half the time). Should
            // this window not be staged (a chain that does not match, a
            // stage that fails), the next does not follow what is staged
            // and is not taken.
            assembly!.nextRequested = true
            requestedAt = now
            actions.append(.requestSnapshot(resume: next))
        }
        guard let rows = assembly!.complete() else { return actions }
        assembly = nil
        // A version this code does not know never passes validation.
        guard let chainStep = window.chainStep,
            SnapshotChain.next(after: staged?.chain ?? "", rows: rows, version: chainStep) == window.chain
        else {
            // Parts of two reads, or a position the hub did not send: ask again.
            return requestSnapshot(now: now, force: true)
        }
        next.held += UInt64(rows.count)
        return actions + [
            .stageSnapshot(
                rows: rows, progress: next, acks: part.acks ?? [], startsOver: !continues, installs: window.last)
        ]
    }

    /// Call after a `.stageSnapshot` was committed: what it staged is where
    /// the snapshot stands (the next window was asked for with it), or,
    /// once the snapshot was installed, the stream is followed from its `at`.
    public mutating func staged(_ staged: SnapshotProgress, installed: Bool, now: UInt64) {
        snapshotRetries = 0
        if installed {
            applied(upTo: staged.at, now: now)
        } else {
            progress = staged
        }
    }

    /// Call after an `.apply` or an installing `.stageSnapshot` was committed.
    public mutating func applied(upTo: UInt64, now: UInt64) {
        cursor = max(cursor ?? 0, upTo)
        snapshotRequested = false
        snapshotRetries = 0
        progress = nil
        // A resend asked for ahead of this apply is on its way: it is not
        // asked for again before the request timeout.
        if resendAheadAfter != cursor { requestedAt = nil }
        resendAheadAfter = nil
        behindSince = nil
        knownHead = max(knownHead, upTo)
    }

    public mutating func tick(now: UInt64) -> [Action] {
        guard let cursor, !snapshotRequested else { return startIfNeeded(now: now) }
        guard cursor < knownHead else {
            behindSince = nil
            return []
        }
        if behindSince == nil { behindSince = now }
        if !asksFirstGapAtOnce {
            guard Timer.isDue(since: behindSince, every: configuration.catchUpDelayMillis, now: now) else { return [] }
        }
        return requestResendIfDue(now: now)
    }

    private mutating func startIfNeeded(now: UInt64) -> [Action] {
        requestSnapshot(now: now)
    }

    private mutating func requestResendIfDue(now: UInt64) -> [Action] {
        if !Timer.isDue(since: requestedAt, every: configuration.requestTimeoutMillis, now: now) { return [] }
        requestedAt = now
        asksFirstGapAtOnce = false
        return [.requestResend(after: cursor ?? 0)]
    }

    /// Asks for the snapshot's next window (the first, with nothing
    /// staged), unless one was asked for within the request timeout, doubled
    /// for each request in a row that got no whole window back.
    private mutating func requestSnapshot(now: UInt64, force: Bool = false) -> [Action] {
        if !force, snapshotRequested, !Timer.isDue(since: requestedAt, every: snapshotBackoffMillis, now: now) {
            return []
        }
        if snapshotRequested, requestedAt != nil { snapshotRetries += 1 }
        snapshotRequested = true
        requestedAt = now
        assembly = nil
        return [.requestSnapshot(resume: progress)]
    }

    /// The request timeout doubled per snapshot request in a row without a
    /// window back, at most `maxSnapshotBackoffMillis`: a hub that is slow to
    /// answer is not asked again and again for the same rows.
    private var snapshotBackoffMillis: UInt64 {
        let doubled = configuration.requestTimeoutMillis << UInt64(min(snapshotRetries, 16))
        return min(doubled, configuration.maxSnapshotBackoffMillis)
    }

    /// The node now follows log history `history` (§9.6): what was staged
    /// under another one is forgotten (the store drops it in the same step).
    public mutating func followed(history: String) {
        guard let staged = progress, staged.history != history else { return }
        progress = nil
        assembly = nil
    }

    /// The transport reconnected: requests made while it was down never left,
    /// so the next tick may ask again at once. The first gap known after it
    /// is asked for at once too, not a catch-up delay later (which added a
    /// second to every gate's catch-up): the broker kept at most the first
    /// of what the hub sent while the node was away (nothing, without a
    /// session) and delivers it in order, the hub's statuses among it, so
    /// a head that shows a gap once that is applied shows one the live
    /// stream will not close. Later gaps wait the delay again. Should a
    /// head overtake the batches before it, the cost is one resend the
    /// node did not need, once per connect.
    public mutating func connectionRestored() {
        requestedAt = nil
        snapshotRetries = 0
        asksFirstGapAtOnce = true
    }

    /// The node held back this channel's snapshot request while another
    /// channel takes its snapshot (one at a time): ask at the next tick.
    public mutating func snapshotDeferred() {
        requestedAt = nil
    }
}

/// The parts of one snapshot window as they arrive, in any order, any number of times.
struct WindowAssembly: Sendable, Equatable {
    let id: String
    let at: UInt64
    let parts: Int
    let window: SnapshotWindow
    /// Whether the window after this one was asked for.
    var nextRequested = false
    private var received: [Int: [SnapshotRow]] = [:]

    init(of part: SnapshotPart) {
        id = part.snapshotID
        at = part.at
        parts = part.parts
        window = part.window ?? SnapshotWindow(after: nil, through: nil, last: false, chain: "")
    }

    /// Whether the part belongs to this window: same snapshot, same window, same count.
    func holds(_ part: SnapshotPart) -> Bool {
        part.snapshotID == id && part.at == at && part.parts == parts && part.window == window
    }

    mutating func add(_ part: SnapshotPart) {
        guard holds(part) else { return }
        received[part.part] = part.rows
    }

    func complete() -> [SnapshotRow]? {
        guard received.count == parts else { return nil }
        return (0..<parts).flatMap { received[$0]! }
    }
}

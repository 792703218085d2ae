import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Many commits, one fsync: the transactions of decisions (and of the hub's
/// ingest) commit with `synchronous=NORMAL`, which writes their WAL frames
/// without syncing them, and whoever must not act before they are durable
/// (the device waiting for its answer, the publisher about to send a change
/// or an ack) waits here for one sync of the WAL that covers every commit
/// made before it began.
///
/// Why this is as durable as `synchronous=FULL`: a FULL commit in WAL mode
/// is a NORMAL commit followed by a sync of the WAL file (SQLite's
/// `sqlite3WalFrames` calls the VFS's `xSync` on it after writing the
/// frames); here the same `xSync` runs after several commits. What changes
/// is only who waits for it: commits made while a sync runs wait for the
/// next one together.
///
/// Checkpoints run here too, on their own connection and queue, started in
/// a pause between commits, so that a decision does not pay for copying
/// hundreds of pages into the database file and syncing it (the writer's
/// automatic checkpoint stays as a safety net).
public final class GroupCommit: Sendable {
    /// How many syncs ran and how many commits they covered.
    public struct Figures: Sendable, Equatable {
        public var syncs = 0
        public var commits: UInt64 = 0
        public var checkpoints = 0
        public var checkpointFailures = 0
    }

    private struct Waiter {
        var target: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        /// Commits made without a sync, counted as their transaction returns.
        var written: UInt64 = 0
        /// Commits known to be on disk.
        var synced: UInt64 = 0
        var syncing = false
        var waiters: [Waiter] = []
        /// A failed sync leaves the WAL's state on disk unknown: every later
        /// wait fails too, until the process restarts and SQLite recovers.
        var failure: StorageError?
        /// Who waits in `failed()`, by a number of their own (to forget one cancelled).
        var failureWatchers: [Int: CheckedContinuation<StorageError?, Never>] = [:]
        var watchersCounted = 0
        var walFile: WALFile?
        var checkpointedAt: UInt64 = 0
        var checkpointing = false
        /// Tries left of a whole checkpoint (`checkpointWhole`); 0: none wanted.
        var wholeCheckpointAttempts = 0
        var figures = Figures()
    }

    /// The writer's connection, whose WAL is synced.
    private let database: DatabaseQueue
    private let databasePath: String
    /// False for an in-memory store: nothing to sync.
    private let onDisk: Bool
    private let state = Mutex(State())
    /// The syncs for commits that came while another sync ran, off the
    /// actors and the cooperative thread pool; checkpoints on `checkpoints`.
    /// (The sync of a commit that finds none running blocks its caller's
    /// thread for it, as the writes before it did.)
    private let queue = DispatchQueue(label: "mall.storage.group-commit")
    private let checkpoints = DispatchQueue(label: "mall.storage.checkpoint")
    private let checkpointer = Mutex<DatabaseQueue?>(nil)
    /// Commits after which a checkpoint is wanted (a decision writes about
    /// 20 pages, so about 640 pages of WAL).
    static let commitsPerCheckpoint: UInt64 = 32
    /// A wanted checkpoint waits until no commit came for this long, so that
    /// it runs between decisions rather than under one: its sync of the
    /// database file holds up a WAL sync made meanwhile by a millisecond or
    /// more (measured back to back, decide + durable commit p99: 2.2 ms with a
    /// checkpoint after every 32 decisions, 1.1 ms with none).
    static let quietBeforeCheckpoint: DispatchTimeInterval = .milliseconds(5)
    /// Unless this many commits wait for one (about 5,000 pages of WAL): under
    /// load without a pause the WAL must not grow without end. The writer's
    /// automatic checkpoint (`SQLiteDatabase.walAutocheckpointPages`) lies
    /// beyond it, as a safety net.
    static let commitsForcingCheckpoint: UInt64 = 256

    init(database: DatabaseQueue, path: String) {
        self.database = database
        databasePath = path
        onDisk = path != ":memory:"
    }

    public var figures: Figures { state.withLock { $0.figures } }

    /// The error of the sync that failed, if one did: from then on the
    /// store takes no durable commit, and the process must restart on its
    /// file (SQLite recovers the WAL as it opens it). Retrying the sync
    /// would not do: after a failed `fsync` the kernel may have dropped the
    /// dirty pages and report the next one as a success.
    public var failure: StorageError? { state.withLock { $0.failure } }

    /// Returns the error of the first sync that fails (at once if one
    /// did), or nil once the calling task is cancelled: what a process
    /// watches to stop and be restarted (`DurabilityWatch`).
    public func failed() async -> StorageError? {
        let watcher = state.withLock { state in
            state.watchersCounted += 1
            return state.watchersCounted
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<StorageError?, Never>) in
                // A cancellation before this point finds no watcher to resume,
                // and this finds the task cancelled.
                let now: StorageError?? = state.withLock { state in
                    if let failure = state.failure { return .some(failure) }
                    if Task.isCancelled { return .some(nil) }
                    state.failureWatchers[watcher] = continuation
                    return .none
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            state.withLock { $0.failureWatchers.removeValue(forKey: watcher) }?.resume(returning: nil)
        }
    }

    /// Counts a commit made with `synchronous=NORMAL` (after it returned).
    func committed() {
        state.withLock { state in
            state.written += 1
            if !onDisk { state.synced = state.written }
        }
    }

    /// Returns once every commit counted before the call is on disk; throws
    /// `durability` if the WAL could not be synced.
    ///
    /// The first caller to find no sync running makes one itself, on its own
    /// thread, as a FULL commit would: handing the sync to the queue and
    /// being woken after it cost a lone decision two thread wake-ups, a
    /// tenth of its time and more of its tail. Callers that come while a
    /// sync runs wait for the next, which the queue makes for all of them.
    public func waitUntilDurable() async throws {
        enum Role {
            case ready
            case failed(StorageError)
            case lead(goal: UInt64)
            case follow
        }
        let role = state.withLock { state -> Role in
            if let failure = state.failure { return .failed(failure) }
            if state.synced >= state.written { return .ready }
            guard !state.syncing else { return .follow }
            state.syncing = true
            return .lead(goal: state.written)
        }
        switch role {
        case .ready: return
        case .failed(let failure): throw failure
        case .lead(let goal):
            let outcome = Result { () throws(StorageError) in try syncWAL() }
            if finishRound(goal: goal, outcome: outcome) { queue.async { self.syncWhileWaited() } }
            checkpointIfDue()
            try outcome.get()
        case .follow:
            try await waitForNextSync()
        }
    }

    private func waitForNextSync() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enum Next {
                case ready
                case failed(StorageError)
                case wait(startSync: Bool)
            }
            let next = state.withLock { state -> Next in
                if let failure = state.failure { return .failed(failure) }
                if state.synced >= state.written { return .ready }
                state.waiters.append(Waiter(target: state.written, continuation: continuation))
                guard !state.syncing else { return .wait(startSync: false) }
                state.syncing = true
                return .wait(startSync: true)
            }
            switch next {
            case .ready: continuation.resume()
            case .failed(let failure): continuation.resume(throwing: failure)
            case .wait(let startSync): if startSync { queue.async { self.syncWhileWaited() } }
            }
        }
    }

    /// Syncs until no one waits: each round covers every commit counted
    /// when it began, and releases the waiters it covers.
    private func syncWhileWaited() {
        while true {
            let goal = state.withLock { $0.written }
            let more = finishRound(goal: goal, outcome: Result { () throws(StorageError) in try syncWAL() })
            checkpointIfDue()
            guard more else { return }
        }
    }

    /// Records a sync that covered the commits counted up to `goal` (or its
    /// failure, which every waiter gets), releases the waiters it covers,
    /// and says whether others still wait; `syncing` stays set if they do.
    private func finishRound(goal: UInt64, outcome: Result<Void, StorageError>) -> Bool {
        let (released, failed, watchers, more) = state.withLock { state in
            var released: [Waiter] = []
            var watchers: [CheckedContinuation<StorageError?, Never>] = []
            switch outcome {
            case .success:
                state.synced = max(state.synced, goal)
                state.figures.syncs += 1
                state.figures.commits = state.synced
                released = state.waiters.filter { $0.target <= goal }
                state.waiters.removeAll { $0.target <= goal }
            case .failure(let failure):
                state.failure = failure
                released = state.waiters
                state.waiters = []
                watchers = Array(state.failureWatchers.values)
                state.failureWatchers = [:]
            }
            state.syncing = !state.waiters.isEmpty
            return (released, state.failure, watchers, state.syncing)
        }
        for watcher in watchers { watcher.resume(returning: failed) }
        for waiter in released {
            if let failed { waiter.continuation.resume(throwing: failed) } else { waiter.continuation.resume() }
        }
        return more
    }

    /// Syncs the WAL as a FULL commit would: `xSync` of the WAL's file,
    /// through SQLite's VFS (so that a test's VFS sees it too), without the
    /// writer's connection, which goes on committing meanwhile.
    private func syncWAL() throws(StorageError) {
        let file = try walFile()
        let code = file.sync()
        guard code == SQLITE_OK else {
            throw StorageError(.durability, "syncing the WAL of \(databasePath) failed (SQLite code \(code))")
        }
    }

    /// The WAL's file of the writer's connection, asked for once: SQLite
    /// keeps it open for as long as the connection is in WAL mode.
    private func walFile() throws(StorageError) -> WALFile {
        if let file = state.withLock({ $0.walFile }) { return file }
        let found = database.inDatabase { db -> WALFile? in
            var file: UnsafeMutablePointer<sqlite3_file>?
            let code = withUnsafeMutablePointer(to: &file) {
                sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_JOURNAL_POINTER, $0)
            }
            guard code == SQLITE_OK, let file, file.pointee.pMethods?.pointee.xSync != nil else { return nil }
            return WALFile(file: file)
        }
        guard let found else { throw StorageError(.durability, "\(databasePath) has no WAL open to sync") }
        state.withLock { $0.walFile = found }
        return found
    }

    /// A passive checkpoint (it never blocks the writer) once
    /// `commitsPerCheckpoint` commits wait for one, on a connection and a
    /// queue of its own, in the next pause of `quietBeforeCheckpoint`
    /// between commits (or at once when `commitsForcingCheckpoint` wait).
    private func checkpointIfDue() {
        guard onDisk else { return }
        let written = state.withLock { state -> UInt64? in
            guard !state.checkpointing, state.synced >= state.checkpointedAt + Self.commitsPerCheckpoint else {
                return nil
            }
            state.checkpointing = true
            return state.written
        }
        guard let written else { return }
        checkpointWhenQuiet(writtenBefore: written)
    }

    /// Checkpoints the whole WAL on the checkpoint's connection, now or
    /// right after the checkpoint under way, and turns the writer's
    /// automatic checkpoint back on once it is done: after a large
    /// transaction committed without it (`SQLiteDatabase.writeCheckpointingAside`).
    /// A passive checkpoint leaves what a reader's older snapshot still
    /// needs (the decision views read a snapshot's staged rows beside its
    /// install) and what commits add meanwhile, so it is tried again until
    /// nothing is left, `wholeCheckpointAttempts` times at most, each try
    /// waiting twice as long as the one before, up to
    /// `wholeCheckpointLongestWait`: a try sorts the frames it would copy
    /// before it finds that a reader holds them back, 15 ms for an install of
    /// 1,000,000 rows, and tries every 20 ms cost more CPU than they saved.
    func checkpointWhole() {
        guard onDisk else { return }
        let idle = state.withLock { state in
            state.wholeCheckpointAttempts = Self.wholeCheckpointAttempts
            guard !state.checkpointing else { return false }
            state.checkpointing = true
            state.checkpointedAt = state.synced
            return true
        }
        if idle { checkpoints.async { self.checkpoint() } }
    }

    static let wholeCheckpointFirstWait = 10
    static let wholeCheckpointLongestWait = 500
    /// About half a minute of tries.
    static let wholeCheckpointAttempts = 64

    /// Checkpoints if nothing was committed since `written` was counted, a
    /// pause ago, or if too many commits wait; otherwise waits for the next pause.
    private func checkpointWhenQuiet(writtenBefore written: UInt64) {
        checkpoints.asyncAfter(deadline: .now() + Self.quietBeforeCheckpoint) {
            let (now, due) = self.state.withLock { state in
                let waiting = state.synced - min(state.checkpointedAt, state.synced)
                // A whole checkpoint wanted (`checkpointWhole`) does not wait for a pause.
                let due =
                    state.written == written || waiting >= Self.commitsForcingCheckpoint
                    || state.wholeCheckpointAttempts > 0
                if due { state.checkpointedAt = state.synced }
                return (state.written, due)
            }
            guard due else { return self.checkpointWhenQuiet(writtenBefore: now) }
            self.checkpoint()
        }
    }

    private func checkpoint() {
        // Only a checkpoint begun after `checkpointWhole` was called can have
        // copied what was committed before that call.
        let countsAsWhole = state.withLock { $0.wholeCheckpointAttempts > 0 }
        let succeeded: Bool
        let whole: Bool
        do {
            let connection = try checkpointer.withLock { held in
                if let held { return held }
                var configuration = Configuration()
                configuration.journalMode = .wal
                configuration.busyMode = .timeout(1)
                let opened = try DatabaseQueue(path: databasePath, configuration: configuration)
                held = opened
                return opened
            }
            let frames = try connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
            whole = frames.checkpointedFrameCount >= frames.walFrameCount
            succeeded = true
        } catch {
            // Busy or failed: the writer's automatic checkpoint takes over.
            succeeded = false
            whole = false
        }
        enum Next { case done, retry, restoreAutomatic }
        let next = state.withLock { state -> Next in
            if succeeded { state.figures.checkpoints += 1 } else { state.figures.checkpointFailures += 1 }
            guard state.wholeCheckpointAttempts > 0 else {
                state.checkpointing = false
                return .done
            }
            state.wholeCheckpointAttempts = whole && countsAsWhole ? 0 : state.wholeCheckpointAttempts - 1
            guard state.wholeCheckpointAttempts == 0 else { return .retry }
            state.checkpointing = false
            return .restoreAutomatic
        }
        switch next {
        case .done: break
        case .retry:
            let tried = Self.wholeCheckpointAttempts - 1 - state.withLock { $0.wholeCheckpointAttempts }
            let wait = min(Self.wholeCheckpointFirstWait << min(tried, 16), Self.wholeCheckpointLongestWait)
            checkpoints.asyncAfter(deadline: .now() + .milliseconds(wait)) { self.checkpoint() }
        case .restoreAutomatic: restoreAutomaticCheckpoint()
        }
    }

    /// The writer's automatic checkpoint on again, as `SQLiteDatabase.open` sets it.
    private func restoreAutomaticCheckpoint() {
        do {
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(SQLiteDatabase.walAutocheckpointPages)")
            }
        } catch {
            state.withLock { $0.figures.checkpointFailures += 1 }
        }
    }
}

/// The WAL's `sqlite3_file` of a store's writer connection.
///
/// `@unchecked Sendable`: the pointer is only used to call `xSync`, which
/// SQLite's unix VFS (and the tests' fault VFS, under its lock) allows from
/// another thread while the connection writes: it is an `fdatasync` of the
/// file's descriptor. The file lives as long as the connection, which
/// `GroupCommit` holds open, and stores never close it by hand.
struct WALFile: @unchecked Sendable {
    let file: UnsafeMutablePointer<sqlite3_file>

    func sync() -> Int32 {
        guard let sync = file.pointee.pMethods?.pointee.xSync else { return SQLITE_MISUSE }
        return sync(file, SQLITE_SYNC_NORMAL)
    }
}

/// One simulated mall day.
///
/// - `seed`: every random choice of the run derives from it.
/// - `workload`: the schema and activity (default the mall; `library` is a
///   made-up schema run through the same engines and checks).
/// - `mode`: `safety` (faults all day, then heal), `liveness` (one node cut
///   off for hours while the rest must keep syncing; then heal) or `soak`
///   (`soakDays` days of faults, healing and quiet nights: what a replica
///   holds must level off, `World+Soak.swift`).
/// - `nodeCount`: edge nodes, roles in turn gate, gift, lounge (default 6).
/// - `dayMillis`: length of the active, faulty part of the day (default 20 min).
/// - `isolationMillis`: liveness mode, how long one node stays cut off (default 3 h).
/// - `settleLimitMillis`: after healing, the fleet must converge within this (default 5 min).
/// - `brokerMaxQueued`: per-session queue limit of the simulated broker (default 50:
///   small on purpose, so silent drops happen).
/// - `roundTripCodec`: send every message through the JSON codec (slower).
/// - `hostile`: the first gate is also a stolen device: besides its honest
///   decisions it sends extreme, forged, back-dated and out-of-rights
///   changes (`World+Hostile.swift`); every check must still hold.
public struct SimulationConfiguration: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        case safety, liveness, soak
    }

    public var seed: UInt64
    public var workload: SimulatedWorkload
    public var mode: Mode
    public var nodeCount: Int
    public var dayMillis: UInt64
    public var isolationMillis: UInt64
    public var settleLimitMillis: UInt64
    public var brokerMaxQueued: Int
    public var roundTripCodec: Bool
    public var hostile: Bool
    /// Soak mode: how many days.
    public var soakDays: Int
    /// A row (`table/key`) whose story the report tells: commits, crashes,
    /// epoch moves and hub log entries. For replaying a failing seed.
    public var explain: String?

    public init(
        seed: UInt64, workload: SimulatedWorkload = .mall, mode: Mode = .safety, nodeCount: Int = 6,
        dayMillis: UInt64 = 20 * 60_000,
        isolationMillis: UInt64 = 3 * 3_600_000, settleLimitMillis: UInt64 = 5 * 60_000, brokerMaxQueued: Int = 50,
        roundTripCodec: Bool = false, hostile: Bool = false, soakDays: Int = 365, explain: String? = nil
    ) {
        self.seed = seed
        self.workload = workload
        self.mode = mode
        self.nodeCount = nodeCount
        self.dayMillis = dayMillis
        self.isolationMillis = isolationMillis
        self.settleLimitMillis = settleLimitMillis
        self.brokerMaxQueued = brokerMaxQueued
        self.roundTripCodec = roundTripCodec
        self.hostile = hostile
        self.soakDays = soakDays
        self.explain = explain
    }
}

/// What a run did and whether it held.
public struct SimulationReport: Sendable {
    public var seed: UInt64
    public var mode: SimulationConfiguration.Mode
    /// One line per violated property; empty when the run passed.
    public var failures: [String] = []
    public var traceHash: UInt64 = 0
    public var changes = 0
    public var conflicts = 0
    public var messagesDelivered = 0
    public var messagesLost = 0
    public var brokerDropped = 0
    public var crashes = 0
    public var rollbacks = 0
    /// Changes the hub took without applying (`Rights.conflict`).
    public var notApplied = 0
    /// Hostile messages sent, and refused by the hub (all must be).
    public var hostileSent = 0
    public var hostileRefused = 0
    public var epochReuses = 0
    /// Snapshot requests the hub refused as beyond the node's allowance.
    public var rateLimited = 0
    public var partitions = 0
    public var brokerCrashes = 0
    /// Hub stores put back from an earlier backup.
    public var hubRestores = 0
    public var snapshotsInstalled = 0
    /// Nodes crashed on purpose with a snapshot half staged, and nodes that
    /// started with one half staged and went on from it (§9.5).
    public var snapshotsInterrupted = 0
    public var snapshotsResumed = 0
    public var tombstonesCollected = 0
    /// SPEC §12's scenario played on purpose: offline deletes of rows the floor had passed.
    public var offlineDeletesBelowFloor = 0
    public var deletes = 0
    public var convergeMillis: UInt64 = 0
    public var simulatedMillis: UInt64 = 0
    /// Soak mode: what every replica held at the end of every 30th day.
    public var holdings: [HoldingsSample] = []

    public var passed: Bool { failures.isEmpty }
    /// The story of the row named by `explain`, one line per event.
    public var explanation: [String] = []
}

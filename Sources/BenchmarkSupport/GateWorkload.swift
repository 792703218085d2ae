import Foundation
import Logging
public import MallDomain
public import Services
import Storage
import SyncCore

/// What a busy gate sees, shared by `mall-bench gate` and the benchmark
/// suite (`Benchmarks/`): a reservation book of synthetic plates, a replica
/// filled with it as the hub's stream fills one, and camera reads in the
/// mix a real lane produces.
public enum GateWorkload {
    /// The mall every benchmark gate belongs to.
    public static let mall = "mall-bench"
    static let channel = Channel(mall: mall, kind: .parking)

    /// Half exact reads (with a separator), a fifth single-confusion misreads
    /// with per-character confidences, a fifth unreserved cars, a tenth
    /// province misreads of reserved plates.
    public static func reads(_ count: Int, of reserved: [String], plates: inout SyntheticPlates) -> [GateRead] {
        (0..<count).map { index in
            let plate = reserved[plates.next(reserved.count)]
            let read: PlateMatcher.Read
            switch index % 10 {
            case 0...4:
                read = .init(text: String(plate.prefix(2)) + "·" + String(plate.dropFirst(2)), confidence: 0.96)
            case 5, 6:
                let misread = plates.misread(plate)
                read = .init(
                    text: misread?.text ?? plate, confidence: 0.9, characterConfidences: misread?.confidences)
            case 7, 8: read = .init(text: plates.plate(), confidence: 0.95)
            default: read = .init(text: "皖" + String(plate.dropFirst()), confidence: 0.93)
            }
            return GateRead(lane: "L\(index % 4)", direction: .entering, plate: read)
        }
    }

    /// A reservation of `plate`, booked for an hour either side of `now`.
    public static func reservation(_ index: Int, plate: String, now: Int64) -> Reservation {
        Reservation(
            id: "r\(index + 1)", memberID: "m\(index + 1)", plate: plate, zone: "B2", windowStart: now - 3_600_000,
            windowEnd: now + 3_600_000, status: .booked)
    }

    /// Fills a new replica at `path` with a reservation of each plate, as
    /// the hub's stream would (through `applyRemote`, 1,000 a batch), so
    /// the outbox stays empty as at a real gate.
    public static func seedReplica(reserving plates: [String], at path: String) throws {
        let replica = try SQLiteReplica(path: path, schema: .mall)
        _ = try replica.start(minimumEpoch: 1)
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        for chunk in stride(from: 0, to: plates.count, by: 1000) {
            let entries = plates[chunk..<min(chunk + 1000, plates.count)].enumerated().map { offset, plate in
                let seq = UInt64(chunk + offset + 1)
                let reservation = reservation(chunk + offset, plate: plate, now: Int64(now))
                return LogEntry(
                    seq: seq,
                    change: Change(
                        id: ChangeID(origin: "hub", epoch: 1, seq: seq),
                        hlc: HybridTimestamp(wallMillis: now, counter: UInt32(seq)), table: "reservations",
                        key: reservation.id, channel: channel, op: .insert,
                        columns: [
                            "member_id": .text(reservation.memberID), "plate": .text(plate),
                            "zone": .text(reservation.zone), "window_start": .int(reservation.windowStart),
                            "window_end": .int(reservation.windowEnd), "status": .text("booked"),
                        ]))
            }
            guard let last = entries.last?.seq else { continue }
            try replica.applyRemote(
                channel: channel, entries: entries, upTo: last,
                clock: HybridTimestamp(wallMillis: now, counter: UInt32(last)))
        }
    }

    /// A gate node on the replica at `path`, with the production engine,
    /// views and group commit, and no hub (its outbox only grows).
    public static func gateNode(path: String, deviceTokens: Set<String> = []) throws -> NodeCoordinator {
        try NodeCoordinator(
            configuration: .init(schema: .mall, node: "bench-gate", mall: mall, role: .gate), replicaPath: path,
            clock: WallClock(), outgoing: OutgoingQueue(), policies: EdgePolicies(deviceTokens: deviceTokens),
            logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
    }
}

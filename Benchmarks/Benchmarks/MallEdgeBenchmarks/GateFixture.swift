import BenchmarkSupport
import Foundation
import GRDB
import MallDomain
import Services

/// A gate holding `reservations` reservations of synthetic plates, on a
/// replica in a directory of its own that is removed when the fixture is
/// released, with camera reads to decide in the production mix.
final class GateFixture {
    static let reservations = 100_000
    static let deviceToken = "benchmark-device-token-0001"

    let scratch: ScratchDirectory
    var directory: String { scratch.path }
    let reserved: [String]
    private(set) var reads: [GateRead]
    private var plates: SyntheticPlates
    private var nextRead = 0

    init() throws {
        scratch = try ScratchDirectory()
        plates = SyntheticPlates(seed: 1)
        reserved = plates.distinctPlates(Self.reservations)
        reads = GateWorkload.reads(10_000, of: reserved, plates: &plates)
    }

    /// The next read of the mix, round and round.
    func read() -> GateRead {
        defer { nextRead = (nextRead + 1) % reads.count }
        return reads[nextRead]
    }

    /// A gate node on a replica filled as the hub's stream fills one.
    func node() throws -> NodeCoordinator {
        let path = "\(directory)/node.sqlite"
        try GateWorkload.seedReplica(reserving: reserved, at: path)
        return try GateWorkload.gateNode(path: path, deviceTokens: [Self.deviceToken])
    }

    /// The book the node's views hold, built in memory.
    func book() -> ReservationBook {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return ReservationBook(reserved.enumerated().map { GateWorkload.reservation($0, plate: $1, now: now) })
    }
}

/// A new directory under the temporary one, removed with its contents when
/// released.
final class ScratchDirectory {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "malledge-benchmark-\(UUID().uuidString)"
            ).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Holds what a benchmark's setup made until its teardown (package-benchmark
/// hands teardown nothing).
final class Held<Value> {
    var value: Value?
}

extension Held<(GateFixture, NodeCoordinator)> {
    /// A new gate and its node, for a benchmark's setup.
    func makeGate() throws {
        let fixture = try GateFixture()
        value = (fixture, try fixture.node())
    }
}

extension Held<(GateFixture, DatabaseQueue)> {
    /// A new empty raw table in a fixture's directory, for a benchmark's setup.
    func makeRawTable() throws {
        let fixture = try GateFixture()
        value = (fixture, try RawSQLite.keyedTable(path: "\(fixture.directory)/raw.sqlite"))
    }
}

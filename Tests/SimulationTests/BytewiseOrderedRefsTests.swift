import SyncCore
import Testing

@testable import Simulation

/// The memory hub's snapshot order must be the one a full sort gives (and the
/// SQLite store's primary key gives): windows read from it are compared with
/// the SQLite hub's by the simulator's digests.
@Suite struct BytewiseOrderedRefsTests {
    /// Keys whose byte order differs from Swift's `String` order, and tables
    /// that are prefixes of each other.
    static let pool: [RowRef] = ["audit_log", "gate", "gate_passages", "reservations"].flatMap { table in
        ["", "a", "a-1", "a-10", "a-2", "Z", "é", "沪A12345", "粤B0000", "\u{7F}", "ab\u{0}c"].map {
            RowRef(table: table, key: $0)
        }
    }

    @Test(arguments: 1...20 as ClosedRange<UInt64>)
    func insertsAndRemovesKeepTheOrderAFullSortGives(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var ordered = BytewiseOrderedRefs()
        var model = Set<RowRef>()
        for _ in 0..<400 {
            let ref = Self.pool.randomElement(using: &random)!
            if Bool.random(using: &random) {
                ordered.insert(ref)
                model.insert(ref)
            } else {
                ordered.remove(ref)
                model.remove(ref)
            }
            let sorted = model.sorted { $0.precedesBytewise($1) }
            #expect(ordered.refs == sorted)
            let after = Bool.random(using: &random) ? nil : Self.pool.randomElement(using: &random)
            let limit = Int.random(in: 0...6, using: &random)
            let expected = sorted.filter { row in after.map { $0.precedesBytewise(row) } ?? true }.prefix(limit)
            #expect(Array(ordered.refs(after: after, limit: limit)) == Array(expected))
        }
        #expect(ordered.refs(after: nil, limit: .max).count == model.count)
    }
}

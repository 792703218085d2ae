import Testing

@testable import MallDomain
@testable import SyncCore

/// Merge rules as properties, in the spirit of cr-sqlite's convergence tests:
/// random changes to a few rows, applied in random orders, any number of
/// times, must end in one state.
@Suite struct MergePropertyTests {
    struct Generator {
        var random: Random

        mutating func changes(count: Int) -> [Change] {
            let origins = ["gate-1", "gift-1", "hub"]
            let keys = ["r-1", "r-2", "r-3"]
            var seqs: [String: UInt64] = [:]
            return (0..<count).map { _ in
                let origin = origins[random.int(0..<origins.count)]
                seqs[origin, default: 0] += 1
                let roll = random.int(0..<10)
                let op: Change.Operation = roll < 3 ? .insert : roll < 9 ? .update : .delete
                var columns: [String: Value] = [:]
                if op != .delete {
                    columns["status"] = .text(["booked", "inside", "left"][random.int(0..<3)])
                    if random.int(0..<2) == 0 { columns["zone"] = .text("Z\(random.int(0..<3))") }
                }
                return Change(
                    id: ChangeID(origin: origin, epoch: 1, seq: seqs[origin]!),
                    // Few distinct clock values, so tie-breaks by id are exercised.
                    hlc: HybridTimestamp(wallMillis: UInt64(random.int(0..<4)), counter: 0),
                    table: "reservations", key: keys[random.int(0..<keys.count)],
                    channel: Channel(mall: "m", kind: .parking), op: op, columns: columns)
            }
        }
    }

    /// A seeded xorshift, so a failing case can be replayed from its seed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func shuffled<T>(_ items: [T]) -> [T] {
            var items = items
            for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, int(0..<(i + 1))) }
            return items
        }
    }

    static func fold(_ changes: [Change]) -> [String: RowState] {
        var rows: [String: RowState] = [:]
        for change in changes { rows[change.key, default: RowState()].apply(change) }
        return rows
    }

    /// `apply` says whether the state changed, exactly: the state after
    /// differs from the state before, for every change to every state.
    @Test(arguments: 1...200 as ClosedRange<UInt64>)
    func applySaysWhetherTheStateChanged(seed: UInt64) {
        var generator = Generator(random: Random(state: seed &* 0x2545_F491_4F6C_DD1D | 1))
        var rows: [String: RowState] = [:]
        for change in generator.changes(count: 60) {
            let before = rows[change.key, default: RowState()]
            var after = before
            let changed = after.apply(change)
            #expect(changed == (after != before), "\(change) on \(before)")
            // Applied again, nothing changes.
            var again = after
            #expect(!again.apply(change) && again == after)
            rows[change.key] = after
        }
    }

    @Test(arguments: 1...200 as ClosedRange<UInt64>)
    func anyOrderGivesTheSameState(seed: UInt64) {
        var generator = Generator(random: Random(state: seed &* 0x9E37_79B9_7F4A_7C15 | 1))
        let changes = generator.changes(count: 12)
        let reference = Self.fold(changes)
        for _ in 0..<8 {
            let order = generator.random.shuffled(changes)
            #expect(Self.fold(order) == reference, "seed \(seed)")
        }
    }

    @Test(arguments: 1...100 as ClosedRange<UInt64>)
    func applyingTwiceChangesNothing(seed: UInt64) {
        var generator = Generator(random: Random(state: seed &* 0x2545_F491_4F6C_DD1D | 1))
        let changes = generator.changes(count: 10)
        #expect(Self.fold(changes + generator.random.shuffled(changes)) == Self.fold(changes), "seed \(seed)")
    }

    @Test(arguments: 1...100 as ClosedRange<UInt64>)
    func stateMergeIsCommutativeAssociativeAndIdempotent(seed: UInt64) {
        var generator = Generator(random: Random(state: seed &* 0xD6E8_FEB8_6659_FD93 | 1))
        let changes = generator.changes(count: 15).filter { $0.key == "r-1" }
        var parts = [RowState(), RowState(), RowState()]
        for change in changes { parts[generator.random.int(0..<3)].apply(change) }
        let (a, b, c) = (parts[0], parts[1], parts[2])
        #expect(a.merged(with: b) == b.merged(with: a))
        #expect(a.merged(with: b).merged(with: c) == a.merged(with: b.merged(with: c)))
        #expect(a.merged(with: a) == a)
        #expect(a.merged(with: b).merged(with: c) == (Self.fold(changes)["r-1"] ?? RowState()))
    }

    @Test func deleteIsFinal() {
        let channel = Channel(mall: "m", kind: .parking)
        func change(_ seq: UInt64, _ wall: UInt64, _ op: Change.Operation) -> Change {
            Change(
                id: ChangeID(origin: "hub", epoch: 1, seq: seq), hlc: HybridTimestamp(wallMillis: wall),
                table: "reservations", key: "r", channel: channel, op: op,
                columns: op == .delete ? [:] : ["status": .text("booked")])
        }
        var row = RowState()
        row.apply(change(1, 10, .insert))
        row.apply(change(2, 5, .delete))
        // A later write (by clock) does not bring the row back.
        row.apply(change(3, 99, .update))
        row.apply(change(4, 99, .insert))
        #expect(!row.isVisible)
        #expect(row.isTombstone)
    }

    @Test func updateOfAnUnknownRowStaysInvisible() {
        var row = RowState()
        row.apply(
            Change(
                id: ChangeID(origin: "gate-1", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: 1),
                table: "reservations", key: "r", channel: Channel(mall: "m", kind: .parking), op: .update,
                columns: ["status": .text("inside")]))
        #expect(!row.isVisible)
    }
}

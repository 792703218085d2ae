#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension ConflictOutcome {
    /// At about 300 bytes a side at most, `ClaimTally.kept` sides stay
    /// below 16 KiB.
    static let maxListedSides = ClaimTally.kept

    /// One side of a conflict as the ledger's `sides` column lists it.
    struct Side: Encodable {
        var event: String
        var change: String
        var node: String
        var hlc: String
        var outcome: String
    }

    /// The conflict ledger row: both sides (the void one included), the rule
    /// applied and the outcome. `sides` is JSON with sorted keys, so every
    /// replica holds the same text.
    public func ledgerColumns(now: UInt64) -> [String: Value] {
        // An item used many times must not grow the row past the schema's
        // text limit: the winner and the earliest void uses are listed, the
        // `claims` column counts them all.
        let listed = ([winner] + losers).prefix(Self.maxListedSides)
        let sides = listed.enumerated().map { index, claim in
            Side(
                event: claim.rowKey, change: claim.stamp.id.description, node: claim.stamp.id.origin,
                hlc: claim.stamp.hlc.description, outcome: index == 0 ? "stands" : "void")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings only: encoding cannot fail.
        let json = String(decoding: try! encoder.encode(sides), as: UTF8.self)
        return [
            "kind": .text(kind), "item": .text(item), "rule": .text(SingleUseRule.ruleName),
            "winner": .text(winner.rowKey), "sides": .text(json), "status": .text("open"),
            "detected_at": .int(Int64(clamping: now)), "claims": .int(Int64(claims)),
        ]
    }
}

public import SyncCore

extension SingleUseRule {
    /// The rules MallEdge enforces.
    public static let mall = [
        SingleUseRule(kind: "gift.double-redemption", table: "gift_redemptions", itemColumn: "code_id"),
        SingleUseRule(
            kind: "parking.double-entry", table: "gate_passages", itemColumn: "reservation_id",
            // A refused or referred entry is evidence, not a use of the reservation.
            filters: [(column: "direction", value: .text("in")), (column: "decision", value: .text("admit"))]),
    ]
}

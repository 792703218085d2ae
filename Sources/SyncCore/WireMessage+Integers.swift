extension WireMessage {
    /// The largest integer any field of a message may hold: 2^53 - 1, the
    /// integers every JSON implementation holds exactly. Epochs, sequence
    /// numbers and milliseconds never come near it, and anything below it
    /// survives `+ 1`, a conversion to `Int64` and a sum of two, so code past
    /// the codec can do arithmetic on message fields without trapping.
    public static let maxInteger: UInt64 = (1 << 53) - 1

    /// The name of the first integer field above `maxInteger`, or nil.
    func oversizedIntegerField() -> String? {
        func first(_ fields: [(String, UInt64?)]) -> String? {
            fields.first { ($0.1 ?? 0) > Self.maxInteger }?.0
        }
        func cursors(_ positions: [ChannelPosition], _ name: String) -> [(String, UInt64?)] {
            positions.map { ("\(name).seq", $0.seq) }
        }
        func change(_ change: Change, _ name: String) -> [(String, UInt64?)] {
            [
                ("\(name).id.epoch", change.id.epoch), ("\(name).id.seq", change.id.seq),
                ("\(name).hlc", change.hlc.wallMillis),
            ]
        }
        func acks(_ entries: [AckEntry]?) -> [(String, UInt64?)] {
            (entries ?? []).flatMap { [("acks.epoch", $0.epoch), ("acks.upTo", $0.upTo)] }
        }
        switch self {
        case .birth(let m):
            return first([("epoch", m.epoch), ("sentAt", m.sentAt)] + cursors(m.cursors, "cursors"))
        case .death(let m):
            return first([("epoch", m.epoch)])
        case .changes(let m):
            return first([("sentAt", m.sentAt)] + m.changes.flatMap { change($0, "changes") })
        case .heartbeat(let m):
            return first(
                [
                    ("epoch", m.epoch), ("sentAt", m.sentAt), ("hlc", m.hlc.wallMillis),
                    ("oldestUnsyncedAt", m.oldestUnsyncedAt), ("outboxHead.epoch", m.outboxHead?.epoch),
                    ("outboxHead.seq", m.outboxHead?.seq),
                ] + cursors(m.cursors, "cursors"))
        case .resend(let m):
            return first([("after", m.after)])
        case .snapshotRequest(let m):
            return first((m.outbox ?? []).flatMap { [("outbox.epoch", $0.epoch), ("outbox.seq", $0.seq)] })
        case .ack(let m):
            return first(acks(m.acks))
        case .batch(let m):
            return first(
                [("prev", m.prev), ("upTo", m.upTo)]
                    + m.entries.flatMap { [("entries.seq", $0.seq)] + change($0.change, "entries.change") })
        case .snapshotPart(let m):
            return first(
                [("at", m.at)] + acks(m.acks)
                    + m.rows.flatMap { row in
                        [("rows.seq", row.seq)]
                            + row.state.stamps.flatMap { stamp in
                                [
                                    ("rows.state.hlc", stamp.hlc.wallMillis), ("rows.state.id.epoch", stamp.id.epoch),
                                    ("rows.state.id.seq", stamp.id.seq),
                                ]
                            }
                    })
        case .control(let m):
            return first([("epoch", m.epoch), ("minEpoch", m.minEpoch)])
        case .hubStatus(let m):
            return first(
                [("epoch", m.epoch), ("sentAt", m.sentAt)] + cursors(m.heads, "heads") + cursors(m.floors, "floors"))
        }
    }
}

extension RowState {
    /// Every stamp the state holds: the delete's and each cell's.
    var stamps: [Stamp] { (deleted.map { [$0] } ?? []) + cells.values.map(\.stamp) }
}

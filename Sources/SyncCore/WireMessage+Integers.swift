extension WireMessage {
    /// The largest integer any field of a message may hold: 2^53 - 1, the
    /// integers every JSON implementation holds exactly. Epochs, sequence
    /// numbers and milliseconds never come near it, and anything below it
    /// survives `+ 1`, a conversion to `Int64` and a sum of two, so code past
    /// the codec can do arithmetic on message fields without trapping.
    public static let maxInteger: UInt64 = (1 << 53) - 1

    /// The name of the first integer field above `maxInteger`, or nil. Runs
    /// on every message received, so it only compares: a field's name is
    /// made only for the one that fails.
    func oversizedIntegerField() -> String? {
        var found: String?
        func check(_ name: @autoclosure () -> String, _ value: UInt64?) {
            if found == nil, let value, value > Self.maxInteger { found = name() }
        }
        func check(_ positions: [ChannelPosition], _ name: String) {
            for position in positions { check("\(name).seq", position.seq) }
        }
        func check(_ change: Change, _ name: String) {
            check("\(name).id.epoch", change.id.epoch)
            check("\(name).id.seq", change.id.seq)
            check("\(name).hlc", change.hlc.wallMillis)
        }
        func check(_ stamp: Stamp?) {
            guard let stamp else { return }
            check("rows.state.hlc", stamp.hlc.wallMillis)
            check("rows.state.id.epoch", stamp.id.epoch)
            check("rows.state.id.seq", stamp.id.seq)
        }
        func check(_ acks: [AckEntry]?) {
            for ack in acks ?? [] {
                check("acks.epoch", ack.epoch)
                check("acks.upTo", ack.upTo)
            }
        }
        switch self {
        case .birth(let m):
            check("epoch", m.epoch)
            check("sentAt", m.sentAt)
            check(m.cursors, "cursors")
        case .death(let m):
            check("epoch", m.epoch)
        case .changes(let m):
            check("sentAt", m.sentAt)
            for change in m.changes { check(change, "changes") }
        case .heartbeat(let m):
            check("epoch", m.epoch)
            check("sentAt", m.sentAt)
            check("hlc", m.hlc.wallMillis)
            check("oldestUnsyncedAt", m.oldestUnsyncedAt)
            check("outboxHead.epoch", m.outboxHead?.epoch)
            check("outboxHead.seq", m.outboxHead?.seq)
            check(m.cursors, "cursors")
        case .resend(let m):
            check("after", m.after)
        case .snapshotRequest(let m):
            for position in m.outbox ?? [] {
                check("outbox.epoch", position.epoch)
                check("outbox.seq", position.seq)
            }
            check("resume.at", m.resume?.at)
            check("resume.held", m.resume?.held)
            check("resume.total", m.resume?.total)
        case .ack(let m):
            check(m.acks)
        case .batch(let m):
            check("prev", m.prev)
            check("upTo", m.upTo)
            for entry in m.entries {
                check("entries.seq", entry.seq)
                check(entry.change, "entries.change")
            }
        case .snapshotPart(let m):
            check("at", m.at)
            check("window.total", m.window?.total)
            check(m.acks)
            for row in m.rows {
                check("rows.seq", row.seq)
                check(row.state.deleted)
                for cell in row.state.cells.values { check(cell.stamp) }
            }
        case .control(let m):
            check("epoch", m.epoch)
            check("minEpoch", m.minEpoch)
        case .hubStatus(let m):
            check("epoch", m.epoch)
            check("sentAt", m.sentAt)
            check(m.heads, "heads")
            check(m.floors, "floors")
            for mark in m.history ?? [] { check("history.from", mark.from) }
        }
        return found
    }
}

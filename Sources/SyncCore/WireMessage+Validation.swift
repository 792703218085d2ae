extension WireMessage {
    /// What makes a decoded message unusable, or nil. Structural checks only:
    /// whether the sender may say it is the hub's business.
    public func problem(maxItems: Int) -> String? {
        if let field = oversizedIntegerField() { return "\(field) is above 2^53 - 1" }
        switch self {
        case .birth(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
            if !Identifier.isValid(m.mall) { return "invalid mall id" }
            if m.epoch == 0 { return "epoch starts at 1" }
            if let history = m.history, !Identifier.isValid(history) { return "invalid history id" }
        case .death(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
        case .changes(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
            if m.changes.isEmpty { return "no changes" }
            if let history = m.history, !Identifier.isValid(history) { return "invalid history id" }
            if m.changes.count > maxItems { return "\(m.changes.count) changes, limit \(maxItems)" }
            for change in m.changes {
                if change.id.epoch == 0 || change.id.seq == 0 { return "epoch and seq start at 1" }
                if let violation = Schema.mall.violation(of: change) { return violation }
            }
        case .heartbeat(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
            if m.outboxDepth < 0 { return "negative outbox depth" }
            if let history = m.history, !Identifier.isValid(history) { return "invalid history id" }
        case .resend(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
        case .snapshotRequest(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
            if m.outbox?.count ?? 0 > maxItems { return "too many outbox positions" }
        case .ack(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
            if m.acks.count > maxItems { return "too many acks" }
        case .batch(let m):
            if m.upTo < m.prev { return "batch range ends before it starts" }
            if let history = m.history, !Identifier.isValid(history) { return "invalid history id" }
            if m.entries.count > maxItems { return "\(m.entries.count) entries, limit \(maxItems)" }
            var last = m.prev
            for entry in m.entries {
                if entry.seq <= last || entry.seq > m.upTo { return "entries out of order or out of range" }
                if entry.change.channel != m.channel { return "entry of another channel" }
                if let violation = Schema.mall.violation(of: entry.change) { return violation }
                last = entry.seq
            }
        case .snapshotPart(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
            if m.parts < 1 || m.part < 0 || m.part >= m.parts { return "part out of range" }
            if let history = m.history, !Identifier.isValid(history) { return "invalid history id" }
            if m.rows.count > maxItems { return "\(m.rows.count) rows, limit \(maxItems)" }
            if m.acks?.count ?? 0 > maxItems { return "too many acks" }
            for row in m.rows {
                guard let table = Schema.mall.tables[row.table], table.channelKinds.contains(m.channel.kind) else {
                    return "snapshot row of table \(row.table) on \(m.channel)"
                }
                if let violation = Schema.mall.violation(of: row) { return violation }
            }
        case .control(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
        case .hubStatus(let m):
            guard let history = m.history else { break }
            if history.count > HistoryMark.kept { return "\(history.count) history marks, limit \(HistoryMark.kept)" }
            if let mark = history.first(where: { !Identifier.isValid($0.id) }) {
                return "invalid history id \(mark.id.prefix(80))"
            }
            if zip(history, history.dropFirst()).contains(where: { $0.from > $1.from }) {
                return "history marks out of order"
            }
        }
        return nil
    }
}

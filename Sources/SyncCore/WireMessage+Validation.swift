extension WireMessage {
    /// What makes a decoded message unusable, or nil. Structural checks only:
    /// whether the sender may say it is the hub's business. What a node sends
    /// must fit `schema` exactly (its role, channel kinds, changes); what the
    /// hub sends may name channel kinds, tables and columns a newer schema
    /// added, which a node passes by (SPEC §16.1).
    public func problem(maxItems: Int, schema: SyncSchema) -> String? {
        if let field = oversizedIntegerField() { return "\(field) is above 2^53 - 1" }
        switch self {
        case .birth(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
            if !Identifier.isValid(m.mall) { return "invalid mall id" }
            if m.epoch == 0 { return "epoch starts at 1" }
            if let history = m.history, !Identifier.isValid(history) { return "invalid history id" }
            if !schema.nodeRoles.contains(m.role) { return "unknown role \(m.role)" }
            if let unknown = schema.firstUnknownKind(in: m.cursors.map(\.channel)) { return unknown }
        case .death(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
        case .changes(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
            if m.changes.isEmpty { return "no changes" }
            if let history = m.history, !Identifier.isValid(history) { return "invalid history id" }
            if m.changes.count > maxItems { return "\(m.changes.count) changes, limit \(maxItems)" }
            if let chain = m.chainBefore {
                let firstSeq = m.changes[0].id.seq
                if firstSeq == 1, !chain.isEmpty { return "chainBefore of a change numbered 1 must be empty" }
                if firstSeq > 1, !SequenceChain.isWellFormed(chain) { return "chainBefore is not a sequence chain" }
            }
            for change in m.changes {
                if change.id.epoch == 0 || change.id.seq == 0 { return "epoch and seq start at 1" }
                if let violation = schema.violation(of: change) { return violation }
            }
        case .heartbeat(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
            if m.outboxDepth < 0 { return "negative outbox depth" }
            if let history = m.history, !Identifier.isValid(history) { return "invalid history id" }
            if let unknown = schema.firstUnknownKind(in: m.cursors.map(\.channel)) { return unknown }
        case .resend(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
            if let unknown = schema.firstUnknownKind(in: [m.channel]) { return unknown }
        case .snapshotRequest(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
            if let unknown = schema.firstUnknownKind(in: [m.channel]) { return unknown }
            if m.outbox?.count ?? 0 > maxItems { return "too many outbox positions" }
            if let resume = m.resume {
                if !Identifier.isValid(resume.snapshotID) { return "invalid snapshot id" }
                if let history = resume.history, !Identifier.isValid(history) { return "invalid history id" }
                if let through = resume.through, let problem = Self.problem(of: through) { return problem }
                if !SnapshotChain.isWellFormed(resume.chain) { return "invalid snapshot chain" }
            }
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
                if let violation = schema.violation(ofLogged: entry.change) { return violation }
                last = entry.seq
            }
        case .snapshotPart(let m):
            if !Identifier.isValid(m.node) { return "invalid node id" }
            if m.parts < 1 || m.part < 0 || m.part >= m.parts { return "part out of range" }
            if let history = m.history, !Identifier.isValid(history) { return "invalid history id" }
            if m.rows.count > maxItems { return "\(m.rows.count) rows, limit \(maxItems)" }
            if m.acks?.count ?? 0 > maxItems { return "too many acks" }
            if let window = m.window {
                if let problem = [window.after, window.through].compactMap({ $0 }).lazy.compactMap(Self.problem).first {
                    return problem
                }
                if !SnapshotChain.isWellFormed(window.chain) { return "invalid snapshot chain" }
                if window.chainStep == nil { return "unknown snapshot chain version \(window.chainVersion ?? 1)" }
                if window.through == nil, !m.rows.isEmpty { return "a window with rows names its last row" }
            }
            for row in m.rows {
                if let violation = schema.violation(ofSnapshot: row, on: m.channel.kind) { return violation }
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

extension WireMessage {
    /// Why a row position in a windowed snapshot is unusable: an identifier
    /// table and a valid row key, as in a change.
    static func problem(of position: RowRef) -> String? {
        if !Identifier.isValid(position.table) { return "invalid table in snapshot position" }
        return SyncSchema.violation(ofKey: position.key)
    }
}

extension SyncSchema {
    /// "unknown channel kind …" for the first channel of a kind this schema
    /// lacks, or nil.
    func firstUnknownKind(in channels: [Channel]) -> String? {
        channels.first { !channelKinds.contains($0.kind) }.map { "unknown channel kind \($0.kind)" }
    }
}

public import EdgeRules
import SyncCore

/// What an import did: members created and updated, and which rows each came from.
public struct ImportSummary: Codable, Sendable {
    public struct Member: Codable, Sendable {
        public var id: String
        public var created: Bool
        public var rows: [Int]
    }

    public var created: Int
    public var updated: Int
    public var members: [Member]
}

extension HubCoordinator {
    /// Imports member records into a mall in one transaction: merged into
    /// one member per phone or card (`MemberImport`), or, if any row cannot
    /// be used, nothing at all and the rows' problems.
    public func importMembers(mall: String, rows: [[String: String]], actor: String) throws -> Result<
        ImportSummary, MemberImport.Refusal
    > {
        guard malls.contains(mall) else { throw AdminError(.invalid, "mall \(mall) has no node in this hub's fleet") }
        guard !rows.isEmpty, rows.count <= 100_000 else { throw AdminError(.invalid, "1 to 100,000 rows per import") }
        let existing = try engine.store.rows(ofTable: "members").compactMap { row -> MemberImport.Existing? in
            guard row.channel.mall == mall, row.state.isVisible else { return nil }
            let values = row.state.values
            return MemberImport.Existing(
                id: row.ref.key, phone: values["phone"]?.textValue, cardNo: values["card_no"]?.textValue)
        }
        let members: [MemberImport.Member]
        switch MemberImport.plan(rows, existing: existing) {
        case .failure(let errors): return .failure(errors)
        case .success(let planned): members = planned
        }
        let writes = members.map { member -> LocalWrite in
            var columns: [String: Value] = [:]
            if let name = member.name { columns["name"] = .text(name) }
            if let tier = member.tier { columns["tier"] = .text(tier) }
            if let phone = member.phone { columns["phone"] = .text(phone) }
            if let card = member.cardNo { columns["card_no"] = .text(card) }
            if let guests = member.guestsAllowed { columns["guests_allowed"] = .int(Int64(guests)) }
            return member.isNew ? .insert("members", member.id, columns) : .update("members", member.id, columns)
        }
        let created = members.filter(\.isNew).count
        try write(
            writes + [
                hubAudit(
                    actor: actor, action: "import.members", target: "\(rows.count) rows",
                    outcome: "\(created) created, \(members.count - created) updated", at: Int64(clock.now()))
            ], mall: mall, decision: "import.members")
        return .success(
            ImportSummary(
                created: created, updated: members.count - created,
                members: members.map { .init(id: $0.id, created: $0.isNew, rows: $0.rows) }))
    }
}

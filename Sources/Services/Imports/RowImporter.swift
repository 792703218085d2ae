public import MallDomain
import SyncCore

/// What the admin API can import, each into its own table.
public enum ImportKind: String, CaseIterable, Sendable {
    case members, vehicles, reservations

    /// The table its records go to.
    var table: String {
        switch self {
        case .members: MemberImport.table
        case .vehicles: VehicleImport.table
        case .reservations: Reservation.table
        }
    }
}

/// What an import did: records created and updated, and which rows each came from.
public struct ImportSummary: Codable, Sendable {
    public struct Record: Codable, Sendable {
        public var key: String
        public var created: Bool
        public var rows: [Int]
    }

    public var created: Int
    public var updated: Int
    public var records: [Record]
}

/// Imports operators' files (members, vehicles, bookings) into a mall
/// through the hub. Each import is read, planned and committed in one step
/// of the hub, so two imports or an import and a node's change cannot
/// interleave between the plan and its commit.
public struct RowImporter: Sendable {
    let hub: HubCoordinator

    public init(hub: HubCoordinator) {
        self.hub = hub
    }

    /// Imports rows into a mall in one transaction: members merged into one
    /// per phone or card (`MemberImport`), vehicles keyed by plate
    /// (`VehicleImport`), bookings keyed by their id (`ReservationImport`);
    /// or, if any row cannot be used, nothing at all and every row's problem.
    public func importRows(_ kind: ImportKind, mall: String, rows: [[String: String]], actor: String) async throws
        -> Result<ImportSummary, ImportRefusal>
    {
        guard hub.malls.contains(mall) else {
            throw AdminError(.invalid, "mall \(mall) has no node in this hub's fleet")
        }
        guard !rows.isEmpty, rows.count <= 100_000 else { throw AdminError(.invalid, "1 to 100,000 rows per import") }
        let now = Int64(clamping: hub.clock.now())
        let hub = self.hub
        return try await hub.write(decision: "import.\(kind.rawValue)") { stored in
            let plan = ImportPlan(stored: stored, mall: mall, now: now)
            let planned: Result<[(write: LocalWrite, record: ImportSummary.Record)], ImportRefusal>
            switch kind {
            case .members: planned = try plan.members(rows)
            case .vehicles: planned = try plan.vehicles(rows)
            case .reservations: planned = try plan.reservations(rows)
            }
            let records: [(write: LocalWrite, record: ImportSummary.Record)]
            switch planned {
            case .failure(let refusal): return (writes: [], outcome: .failure(refusal))
            case .success(let writes): records = writes
            }
            // Row keys are fleet-wide: a key another mall holds would move its row
            // here; and a deleted row stays deleted (a delete wins its merge), so
            // an insert under its key would be absorbed, not seen.
            let unusable = try records.compactMap { write, record -> [ImportRowError]? in
                guard let row = try stored.row(kind.table, record.key) else { return nil }
                let problem: String
                if row.channel.mall != mall {
                    problem = "\(record.key) belongs to mall \(row.channel.mall)"
                } else if !row.state.isVisible {
                    problem = "\(record.key) was deleted; a deleted record does not come back under the same key"
                } else {
                    return nil
                }
                return record.rows.map { ImportRowError(row: $0, field: nil, problem: problem) }
            }
            guard unusable.isEmpty else {
                return (writes: [], outcome: .failure(ImportRefusal(rows: unusable.flatMap { $0 })))
            }
            let created = records.filter(\.record.created).count
            let audit = hub.auditEntry(
                actor: actor, action: "import.\(kind.rawValue)", target: "\(rows.count) rows",
                outcome: "\(created) created, \(records.count - created) updated", at: now)
            return (
                writes: [(mall: mall, writes: records.map(\.write) + [audit])],
                outcome: .success(
                    ImportSummary(
                        created: created, updated: records.count - created, records: records.map(\.record)))
            )
        }
    }
}

/// What an import plans to write into `mall`, from the rows the hub holds.
struct ImportPlan {
    let stored: HubRows
    let mall: String
    let now: Int64

    private func existingMembers() throws -> [MemberImport.Existing] {
        try stored.visible(MemberImport.table, mall: mall).map { MemberImport.Existing(key: $0.key, values: $0.values) }
    }

    func members(_ rows: [[String: String]]) throws -> Result<
        [(write: LocalWrite, record: ImportSummary.Record)], ImportRefusal
    > {
        try MemberImport.plan(rows, existing: existingMembers()).map { members in
            members.map { ($0.write, .init(key: $0.id, created: $0.isNew, rows: $0.rows)) }
        }
    }

    func vehicles(_ rows: [[String: String]]) throws -> Result<
        [(write: LocalWrite, record: ImportSummary.Record)], ImportRefusal
    > {
        var registered: [String: VehicleImport.Registered] = [:]
        for row in try stored.visible(VehicleImport.table, mall: mall) {
            if let vehicle = VehicleImport.registered(key: row.key, values: row.values) {
                registered[vehicle.plate] = vehicle.vehicle
            }
        }
        let members = MemberDirectory(try existingMembers())
        return VehicleImport.plan(rows, members: members, registered: registered).map { vehicles in
            vehicles.map { ($0.write, .init(key: $0.key, created: $0.isNew, rows: $0.rows)) }
        }
    }

    func reservations(_ rows: [[String: String]]) throws -> Result<
        [(write: LocalWrite, record: ImportSummary.Record)], ImportRefusal
    > {
        var existing: [String: Reservation.Status] = [:]
        for row in try stored.visible(Reservation.table, mall: mall) {
            existing[row.key] = ReservationImport.status(in: row.values)
        }
        let members = MemberDirectory(try existingMembers())
        return ReservationImport.plan(rows, members: members, existing: existing, now: now).map { bookings in
            bookings.map { ($0.write, .init(key: $0.key, created: $0.isNew, rows: [$0.row])) }
        }
    }
}

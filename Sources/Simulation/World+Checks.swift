import MallDomain
import SyncCore

/// The invariants a healed fleet must satisfy (convergence is checked before).
extension World {
    func checkInvariants() {
        let log = hub.store.log

        // No change id twice in the log, and no logical change twice.
        var ids = Set<ChangeID>()
        var logical: [LogicalID: Int] = [:]
        for record in log {
            let change = record.entry.change
            if !ids.insert(change.id).inserted { fail("change \(change.id) logged twice") }
            logical[LogicalID(change), default: 0] += 1
        }

        // 2. No lost decision: every change a node committed and kept is logged
        // exactly once, or was taken without being applied (and is in the ledger).
        for node in nodes {
            for (_, changes) in node.durable {
                for change in changes {
                    let count = (logical[change] ?? 0) + (notApplied.contains(change) ? 1 : 0)
                    if count != 1 {
                        fail(
                            "\(node.id) committed \(change.table)/\(change.key) at \(change.hlc): logged \(count) times"
                        )
                    }
                }
            }
        }

        // 3. No double effect: no replica applied an entry twice; event rows appear once per event.
        for node in nodes where node.store.duplicateApplications > 0 {
            fail("\(node.id) applied \(node.store.duplicateApplications) log entries twice")
        }
        var eventInserts: [RowRef: Int] = [:]
        for record in log where schema.tables[record.entry.change.table]?.kind == .events {
            eventInserts[record.entry.change.row, default: 0] += 1
        }
        for (row, count) in eventInserts where count != 1 {
            fail("event \(row.table)/\(row.key) inserted \(count) times")
        }

        // 4. Conflicts: every double use is in the ledger with the earliest use standing, everywhere.
        var claims: [String: [Claim]] = [:]
        for record in log {
            for rule in schema.singleUseRules {
                if let claim = rule.claim(for: record.entry.change) {
                    claims["\(claim.kind):\(claim.item)", default: []].append(claim)
                }
            }
        }
        for (key, itemClaims) in claims.sorted(by: { $0.key < $1.key }) where itemClaims.count >= 2 {
            report.conflicts += 1
            let winner = itemClaims.min { $0.stamp < $1.stamp }!
            let ref = RowRef(table: "conflicts", key: key)
            guard let row = try? hub.store.row(ref), row.state.isVisible else {
                fail("double use of \(key) has no conflict row at the hub")
                continue
            }
            if row.state.cells["winner"]?.value != .text(winner.rowKey) {
                fail(
                    "conflict \(key): hub says \(row.state.cells["winner"]?.value ?? .null), earliest is \(winner.rowKey)"
                )
            }
            for node in nodes where node.engine?.configuration.channels.contains(winner.channel) == true {
                let local = try? node.store.row(ref)
                if local?.cells["winner"]?.value != .text(winner.rowKey) {
                    fail("conflict \(key): \(node.id) does not hold the winner \(winner.rowKey)")
                }
            }
        }

        // Skew: the hub measured every node's clock offset and flags those past its bound.
        if let engine = hub.engine {
            let bound = engine.configuration.maxSkewMillis
            let flagged = Set(engine.skewedNodes())
            for node in nodes {
                guard let record = engine.nodes[node.id] else {
                    fail("the hub has no record of \(node.id)")
                    continue
                }
                if abs(record.skewMillis - node.clockOffset) > 1000 {
                    fail("\(node.id): skew measured \(record.skewMillis) ms, actual \(node.clockOffset) ms")
                }
                if abs(abs(node.clockOffset) - bound) > 1000
                    && flagged.contains(node.id) != (abs(node.clockOffset) > bound)
                {
                    fail(
                        "\(node.id) with an offset of \(node.clockOffset) ms is \(flagged.contains(node.id) ? "" : "not ")flagged"
                    )
                }
            }
        }

        // 5. Tombstones: no deleted row is visible anywhere.
        var deleted = Set<RowRef>()
        for record in log where record.entry.change.op == .delete {
            deleted.insert(record.entry.change.row)
        }
        report.deletes = deleted.count
        for ref in deleted.sorted() {
            if let row = try? hub.store.row(ref), row.state.isVisible {
                fail("deleted \(ref.table)/\(ref.key) is back at the hub")
            }
            for node in nodes {
                if let row = try? node.store.row(ref), row.isVisible {
                    fail("deleted \(ref.table)/\(ref.key) is back at \(node.id)")
                }
            }
        }
    }
}

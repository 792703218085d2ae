import BrokerHarness
import MallDomain
import ServiceLifecycle
import Services
import Storage
import SyncCore
import Testing

/// A camera read at a gate is audited by its passage alone: the gate's
/// commit writes no `audit_log` row for it, and the gate's audit listing
/// and the hub's audit trail still name it, once.
@Suite struct GateReadAuditTests {
    static let member = HubCoordinator.Engine.FleetMember(mall: InMemoryFleet.mall, role: .gate)

    @Test func aReadIsListedOnceAtItsGateAndInTheHubsTrailWithoutAnAuditRow() async throws {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, hubService) = try fleet.hub(fleet: ["g1": Self.member, "g1-2": Self.member])
        let (g1, g1Service) = try fleet.node("g1")
        let (neighbour, neighbourService) = try fleet.node("g1-2")
        let group = ServiceGroup(
            configuration: .init(services: [hubService, g1Service, neighbourService], logger: fleet.quiet))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            try await hub.coordinator.write(
                [GateDecisionTests.reservation("r1", plate: "皖A·12345")], mall: InMemoryFleet.mall, decision: "test")
            #expect(await eventually { (try? await g1.row(table: "reservations", key: "r1"))?.isVisible == true })

            let admitted = try await g1.decideGate(GateDecisionTests.read("皖A12345"))
            let denied = try await g1.decideGate(GateDecisionTests.read("沪B99999"))
            let (overridden, _) = try await g1.overrideGate(
                lane: "north-1", direction: .entering, plate: "沪B99999", reservationID: nil, reason: "camera fogged",
                caller: .device(node: "g1", permissions: [.gateOverride]))
            let elsewhere = try await neighbour.decideGate(GateDecisionTests.read("沪C11111"))
            // A read refused to a caller without `gate.read` is audited as `NodeAuthentication` does.
            try await g1.audit("staff:s9", action: "gate.read", target: "", outcome: "permission denied")
            #expect(admitted.decision.verdict == .admit)
            #expect(denied.decision.verdict == .deny)
            // No audit row beside a read's passage (keyed by the same change id); one beside the override's.
            for read in [admitted, denied] {
                #expect(try await g1.row(table: "audit_log", key: Self.auditKey(read.key)) == nil)
            }
            #expect(try await g1.row(table: "audit_log", key: Self.auditKey(overridden))?.isVisible == true)
            // Once the other gate's passage has reached g1, g1 still lists only its own, though
            // that gate's name begins with g1's, and so do its passages' keys.
            #expect(
                await eventually {
                    (try? await g1.row(table: "gate_passages", key: elsewhere.key)) != nil
                })

            let expected: Set<AuditEntry> = [
                Self.entry(admitted, gate: "g1"), Self.entry(denied, gate: "g1"),
            ]
            let listed = try await g1.recentAudit(limit: 10)
            #expect(listed.count == 4, "\(listed)")
            #expect(Set(listed.filter { $0.action == "gate.read" && $0.actor == "device:g1" }) == expected)
            #expect(listed.filter { $0.outcome == "permission denied" }.map(\.actor) == ["staff:s9"])
            #expect(listed.filter { $0.action == "gate.override" }.map(\.target) == [overridden])
            #expect(try await g1.recentAudit(limit: 2).count == 2)
            #expect(try await neighbour.recentAudit(limit: 10) == [Self.entry(elsewhere, gate: "g1-2")])

            // The hub's trail takes each read from its passage, and the override from its row.
            #expect(
                await eventually {
                    let trail = (try? await hub.coordinator.audit(about: "g1", limit: 10)) ?? []
                    return trail.count == 4
                        && Set(
                            trail.filter { $0["actor"] == "device:g1" && $0["action"] == "gate.read" }.map {
                                $0["target"] ?? ""
                            }) == [admitted.key, denied.key]
                        && trail.contains { $0["action"] == "gate.override" && $0["target"] == overridden }
                        && trail.contains { $0["outcome"] == "permission denied" }
                })
            let reads = try await hub.coordinator.audit(about: "g1", limit: 10).filter {
                $0["target"]?.isEmpty == false
            }
            .filter { $0["action"] == "gate.read" }
            #expect(reads.allSatisfy { $0["actor"] == "device:g1" && $0["node"] == "g1" })
            #expect(reads.first { $0["target"] == admitted.key }?["outcome"] == "admit: reservation valid")
            #expect(await eventually { (try? await hub.coordinator.audit(about: "g1-2", limit: 10))?.count == 1 })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// What makes an entry, row by row: who a passage names is the origin of
    /// its insert, not its key.
    @Test func theMallsSourcesMakeOneEntryPerActionAndNameTheGateThatInsertedIt() throws {
        let sources = AuditTrailSources.mall
        // A passage keyed as g1's but inserted by g2 names g2 (the hub refuses
        // such a key from g2 too; this does not rely on it).
        let forged = Self.state(
            origin: "g2", ["decision": .text("deny"), "reason": .text("no reservation"), "at": .int(1_000)])
        let forgedEntry = try #require(sources.entry(for: RowRef(table: "gate_passages", key: "gp-g1-1-9"), forged))
        #expect(forgedEntry.entry.node == "g2")
        #expect(forgedEntry.entry.actor == "device:g2")
        #expect(forgedEntry.entry.outcome == "deny: no reservation")
        #expect(forgedEntry.entry.at == 1_000)
        // A staff override's passage makes none: its `gate.override` row does.
        let override = Self.state(origin: "g1", ["decision": .text("admit"), "rule": .text("override")])
        #expect(sources.entry(for: RowRef(table: "gate_passages", key: "gp-g1-1-3"), override) == nil)
        // A gate from before wrote a `gate.read` row beside each passage: the passage stands for it.
        let legacy = Self.state(origin: "g1", ["action": .text("gate.read"), "target": .text("gp-g1-1-1")])
        #expect(sources.entry(for: RowRef(table: "audit_log", key: "au-g1-1-1"), legacy) == nil)
        // A read refused for want of the permission is an entry of its own: there is no passage.
        let refused = Self.state(
            origin: "g1", ["action": .text("gate.read"), "target": .text(""), "outcome": .text("permission denied")])
        #expect(sources.entry(for: RowRef(table: "audit_log", key: "au-g1-1-4"), refused)?.entry.action == "gate.read")
        let login = Self.state(origin: "g1", ["action": .text("staff.login"), "actor": .text("staff:s1")])
        #expect(sources.entry(for: RowRef(table: "audit_log", key: "au-g1-1-2"), login)?.entry.actor == "staff:s1")
        // A deleted row and a row of another table make none.
        var deleted = forged
        deleted.apply(
            Change(
                id: ChangeID(origin: "hub", epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: 2_000),
                table: "gate_passages", key: "gp-g1-1-9", channel: Channel(mall: "m", kind: .parking), op: .delete,
                columns: [:]))
        #expect(sources.entry(for: RowRef(table: "gate_passages", key: "gp-g1-1-9"), deleted) == nil)
        #expect(sources.entry(for: RowRef(table: "reservations", key: "r1"), forged) == nil)
    }

    static func auditKey(_ passageKey: String) -> String { "au-" + passageKey.dropFirst("gp-".count) }

    static func entry(_ passage: GatePassage, gate: String) -> AuditEntry {
        AuditEntry(
            key: passage.key, actor: "device:\(gate)", action: "gate.read", target: passage.key,
            outcome: "\(passage.decision.verdict.rawValue): \(passage.decision.reason.rawValue)", node: gate,
            at: Int64(passage.at))
    }

    static func state(origin: NodeID, _ columns: [String: Value]) -> RowState {
        var state = RowState()
        state.apply(
            Change(
                id: ChangeID(origin: origin, epoch: 1, seq: 1), hlc: HybridTimestamp(wallMillis: 1_500),
                table: "gate_passages", key: "k", channel: Channel(mall: "m", kind: .parking), op: .insert,
                columns: columns))
        return state
    }
}

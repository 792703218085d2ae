import MallDomain
import SyncCore

/// The mall's day: the hub imports members, reservations and gift codes and
/// cancels or deletes some; gates admit and release cars; gift counters redeem
/// codes; lounges check members in and out. Each node decides from its own
/// replica only, so offline nodes double-use single-use items as real ones would.
extension World {
    func activityInterval(for client: Client) -> UInt64 {
        let scale: UInt64 = configuration.mode == .liveness ? 20 : 1
        switch client {
        case .hub: return random.millis(1000...4000) * scale
        case .node: return random.millis(1500...6000) * scale
        }
    }

    func nextKey(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)-\(counter)"
    }

    func act(_ client: Client) {
        guard configuration.workload == .mall else { return libraryAct(client) }
        switch client {
        case .hub: adminAction()
        case .node(let index):
            let node = nodes[index]
            switch node.role {
            case .gate:
                gateAction(node)
                if configuration.hostile && index == 0 { hostileAction(node) }
            case .gift: giftAction(node)
            case .lounge: loungeAction(node)
            default: break
            }
        }
    }

    func hubWrite(_ writes: [LocalWrite]) {
        guard let engine = hub.engine else { return }
        for write in writes where configuration.explain == "\(write.table)/\(write.key)" {
            explain("hub writes \(write.op.rawValue)")
        }
        if let result = attempt({ try engine.write(writes, mall: Self.mall, now: physicalTime(of: .hub)) }) {
            publish(from: .hub, result.outgoing)
        }
        for write in writes where write.op == .insert {
            keys[write.table, default: []].append(write.key)
        }
    }

    private func adminAction() {
        let roll = random.int(0...99)
        switch roll {
        case 0..<20:
            let key = nextKey("m")
            hubWrite([
                .insert(
                    "members", key,
                    [
                        "name": .text("Member \(counter)"), "tier": .text(random.pick(["gold", "black", "svip"])!),
                        "phone": .text("138\(counter)"), "guests_allowed": .int(Int64(random.int(0...3))),
                    ])
            ])
        case 20..<50:
            guard let member = random.pick(keys["members"] ?? []) else { return adminAction(insertOnly: true) }
            let key = nextKey("r")
            let start = Int64(now)
            hubWrite([
                .insert(
                    "reservations", key,
                    [
                        "member_id": .text(member), "plate": .text("皖A\(10000 + counter)"), "zone": .text("VIP"),
                        "window_start": .int(start), "window_end": .int(start + 3_600_000), "status": .text("booked"),
                    ])
            ])
        case 50..<70:
            guard let member = random.pick(keys["members"] ?? []) else { return adminAction(insertOnly: true) }
            let key = nextKey("g")
            hubWrite([
                .insert(
                    "gift_codes", key,
                    [
                        "member_id": .text(member), "gift": .text("tea-set"), "valid_from": .int(0),
                        "valid_to": .int(Int64(now) + 86_400_000),
                    ])
            ])
        case 70..<80:
            guard let member = random.pick(keys["members"] ?? []) else { return }
            hubWrite([.update("members", member, ["tier": .text(random.pick(["gold", "black", "svip"])!)])])
        case 80..<88:
            guard let reservation = random.pick(keys["reservations"] ?? []) else { return }
            hubWrite([.update("reservations", reservation, ["status": .text("cancelled")])])
        case 88..<95:
            guard let reservation = random.pick(keys["reservations"] ?? []) else { return }
            hubWrite([.delete("reservations", reservation)])
        default:
            guard let member = random.pick(keys["members"] ?? []) else { return }
            hubWrite([.delete("members", member)])
        }
    }

    private func adminAction(insertOnly: Bool) {
        let key = nextKey("m")
        hubWrite([.insert("members", key, ["name": .text("Member \(counter)"), "tier": .text("gold")])])
    }

    func nodeCommit(_ node: Node, _ writes: [LocalWrite]) {
        guard let engine = node.engine else { return }
        guard let changes = attempt({ try engine.commit(writes, now: physicalTime(of: .node(node.index))) }) else {
            return
        }
        for change in changes where isExplained(change) {
            explain(
                "\(node.id) commits \(change.op.rawValue) as \(change.id) hlc \(change.hlc) hash \(change.contentHash), commit \(node.store.commits)"
            )
        }
        let ids = changes.map(LogicalID.init)
        node.durable.append((node.store.commits, ids))
        publish(from: .node(node.index), attempt { try engine.tick(now: physicalTime(of: .node(node.index))) } ?? [])
    }

    private func audit(_ node: Node, _ action: String, _ target: String, _ outcome: String) -> LocalWrite {
        .insert(
            "audit_log", nextKey("a-\(node.id)"),
            [
                "actor": .text("staff-\(node.index)"), "action": .text(action), "target": .text(target),
                "outcome": .text(outcome), "node": .text(node.id),
                "at": .int(Int64(physicalTime(of: .node(node.index)))),
            ])
    }

    func visible(_ node: Node, _ table: String, _ key: String) -> RowState? {
        guard let row = try? node.store.row(RowRef(table: table, key: key)), row.isVisible else { return nil }
        return row
    }

    private func gateAction(_ node: Node) {
        guard let key = random.pick(keys["reservations"] ?? []), let row = visible(node, "reservations", key) else {
            return
        }
        let at = Int64(physicalTime(of: .node(node.index)))
        /// A passage at lane `lane` in `direction`, and the reservation's new status.
        func pass(_ lane: String, _ direction: String, status: String) -> [LocalWrite] {
            [
                .insert(
                    "gate_passages", nextKey("p-\(node.id)"),
                    [
                        "reservation_id": .text(key), "lane": .text(lane), "direction": .text(direction),
                        "plate": row.cells["plate"]?.value ?? .null, "decision": .text("admit"), "at": .int(at),
                    ]),
                .update("reservations", key, ["status": .text(status)]),
            ]
        }
        switch row.cells["status"]?.value {
        case .text("booked"):
            nodeCommit(node, pass("L1", "in", status: "inside") + [audit(node, "gate.admit", key, "admit")])
        case .text("inside"):
            nodeCommit(node, pass("L2", "out", status: "left"))
        default:
            nodeCommit(node, [audit(node, "gate.admit", key, "deny")])
        }
    }

    private func giftAction(_ node: Node) {
        guard let code = random.pick(keys["gift_codes"] ?? []), let codeRow = visible(node, "gift_codes", code) else {
            return
        }
        let seenHere = (usesByItem[code] ?? []).contains { visible(node, "gift_redemptions", $0) != nil }
        guard !seenHere else {
            nodeCommit(node, [audit(node, "gift.redeem", code, "already-redeemed")])
            return
        }
        let redemption = nextKey("x-\(node.id)")
        usesByItem[code, default: []].append(redemption)
        nodeCommit(
            node,
            [
                .insert(
                    "gift_redemptions", redemption,
                    [
                        "code_id": .text(code), "counter": .text(node.id),
                        "at": .int(Int64(physicalTime(of: .node(node.index)))),
                        "valid_to": codeRow.values["valid_to"] ?? .null,
                    ]),
                audit(node, "gift.redeem", code, "redeemed"),
            ])
    }

    private func loungeAction(_ node: Node) {
        let at = Int64(physicalTime(of: .node(node.index)))
        let roll = random.int(0...99)
        if roll < 50 {
            guard let member = random.pick(keys["members"] ?? []), visible(node, "members", member) != nil else {
                return
            }
            let visit = nextKey("v-\(node.id)")
            ownRowsByNode[node.index, default: []].append(visit)
            nodeCommit(
                node,
                [
                    .insert(
                        "lounge_visits", visit,
                        [
                            "member_id": .text(member), "guests": .int(1), "status": .text("open"),
                            "checked_in_at": .int(at),
                        ]),
                    audit(node, "lounge.check-in", member, "admitted"),
                ])
        } else if roll < 90 {
            guard let visit = random.pick(ownRowsByNode[node.index] ?? []),
                let row = visible(node, "lounge_visits", visit), row.cells["status"]?.value == .text("open")
            else { return }
            nodeCommit(
                node, [.update("lounge_visits", visit, ["status": .text("closed"), "checked_out_at": .int(at)])])
        } else {
            guard let visit = random.pick(ownRowsByNode[node.index] ?? []),
                let row = visible(node, "lounge_visits", visit), row.cells["status"]?.value == .text("closed")
            else { return }
            nodeCommit(node, [.delete("lounge_visits", visit)])
        }
    }
}

import MallDomain
import SyncCore

/// The hostile fault kind: the first gate is also a stolen device. Besides
/// its honest decisions it publishes, on its own topic as a stolen device
/// would, changes that are extreme, forged, back-dated or beyond its rights.
/// Their ids are in epochs far above any its honest runs reach, so they can
/// never be mistaken for its own outbox. The hub must refuse every one (or
/// take it without applying it) and every check must still hold: a stolen
/// device harms nothing but itself.
extension World {
    /// Epochs the hostile changes use: no honest run of a node gets near.
    static let hostileEpochs: ClosedRange<UInt64> = 1_000_000...2_000_000

    func hostileAction(_ node: Node) {
        let now = physicalTime(of: .node(node.index))
        let parking = Channel(mall: Self.mall, kind: .parking)
        let epoch = random.int(Int(Self.hostileEpochs.lowerBound)...Int(Self.hostileEpochs.upperBound))
        func change(
            origin: NodeID? = nil, epoch: UInt64 = UInt64(epoch), wall: UInt64 = now, table: String, key: String,
            channel: Channel = parking, op: Change.Operation, _ columns: [String: Value]
        ) -> Change {
            Change(
                id: ChangeID(origin: origin ?? node.id, epoch: epoch, seq: 1), hlc: HybridTimestamp(wallMillis: wall),
                table: table, key: key, channel: channel, op: op, columns: columns)
        }
        let reservation = random.pick(keys["reservations"] ?? []) ?? "r-none"
        let victim = random.pick(nodes.map(\.id).filter { $0 != node.id }) ?? "hub"
        let attacks: [Change] = [
            // Numbers no honest node sends.
            change(epoch: 1 << 63, table: "gate_passages", key: nextKey("h"), op: .insert, ["lane": .text("x")]),
            change(
                table: "reservations", key: reservation, op: .update,
                ["window_start": .int(.min), "window_end": .int(.max)]),
            // Beyond a gate's rights.
            change(table: "reservations", key: nextKey("r-fake"), op: .insert, ["status": .text("booked")]),
            change(table: "reservations", key: reservation, op: .update, ["status": .text("cancelled")]),
            change(table: "reservations", key: reservation, op: .delete, [:]),
            change(
                table: "audit_log", key: nextKey("h-au"), channel: Channel(mall: Self.mall, kind: .audit), op: .insert,
                ["node": .text("hub"), "actor": .text("manager")]),
            // Another node's next key, taken before it writes it.
            change(
                table: "gate_passages", key: "gp-\(victim)-1-\(random.int(1...50))", op: .insert,
                ["lane": .text("x")]),
            // Forged origin.
            change(origin: "hub", table: "gate_passages", key: nextKey("h"), op: .insert, ["lane": .text("x")]),
            // Stamped far ahead: would win every later write.
            change(
                wall: now + 48 * 3_600_000, table: "reservations", key: reservation, op: .update,
                ["status": .text("left")]),
        ]
        let attack = attacks[random.int(0...(attacks.count - 1))]
        report.hostileSent += 1
        publish(
            from: .node(node.index),
            [
                Outgoing(
                    topic: Topics.node(node.id, mall: Self.mall, .up),
                    message: .changes(ChangeBatch(node: node.id, sentAt: now, changes: [attack])))
            ])
    }

    /// Whether a message is one of the hostile node's forgeries.
    func isHostile(_ message: WireMessage) -> Bool {
        guard configuration.hostile, case .changes(let batch) = message else { return false }
        return batch.changes.contains { Self.hostileEpochs.contains($0.id.epoch) || $0.id.epoch >= 1 << 63 }
    }

    /// A hostile message must change nothing: refused, or at most a duplicate.
    func checkRefused(_ result: HubEngine<MemoryHubStore>.Result, _ message: WireMessage) {
        if result.accepted > 0 || !result.notApplied.isEmpty {
            fail("hub took a hostile change: \(message.type) \(result.accepted) accepted")
        } else {
            report.hostileRefused += 1
        }
    }
}

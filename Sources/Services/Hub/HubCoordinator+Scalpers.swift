import EdgeRules
import Foundation
import SyncCore

extension HubCoordinator {
    /// Feeds every accepted redemption and admitted entry to the scalper
    /// watch, and records each flag it raises in the conflict ledger (a
    /// `conflicts` row of kind `scalper.too-fast` or `scalper.many-sites`,
    /// item the member, status open) on the channel of the use that raised it.
    func watchForScalpers(_ changes: [Change]) {
        for change in changes where change.op == .insert {
            guard let use = scalperUse(change) else { continue }
            for flag in scalpers.observe(use) {
                let sides = flag.uses.map { ["event": $0.event, "site": $0.site, "at": String($0.at)] }
                let data = (try? JSONSerialization.data(withJSONObject: sides, options: [.sortedKeys])) ?? Data()
                let now = Int64(clock.now())
                do {
                    try write(
                        [
                            LocalWrite(
                                table: "conflicts", key: "\(flag.kind.rawValue):\(flag.member):\(use.event)",
                                op: .insert,
                                columns: [
                                    "kind": .text(flag.kind.rawValue), "item": .text(flag.member),
                                    "rule": .text(flag.rule),
                                    "sides": .text(String(decoding: data, as: UTF8.self)), "status": .text("open"),
                                    "detected_at": .int(now), "claims": .int(Int64(flag.uses.count)),
                                ], channelKind: change.channel.kind)
                        ], mall: change.channel.mall, decision: "scalper.flag")
                    metrics?.conflict(kind: flag.kind.rawValue)
                    logger.notice(
                        "scalper flagged",
                        metadata: ["conflict.kind": "\(flag.kind.rawValue)", "member": "\(flag.member)"])
                } catch {
                    logger.error("scalper flag not recorded", metadata: ["sync.error": "\(error)"])
                }
            }
        }
    }

    /// The member, site and time of a redemption or an admitted entry.
    private func scalperUse(_ change: Change) -> ScalperWatch.Use? {
        guard case .int(let at)? = change.columns["at"] else { return nil }
        let member: String?
        switch change.table {
        case "gift_redemptions":
            member = change.columns["member_id"]?.textValue
        case "gate_passages":
            guard change.columns["direction"] == .text("in"), change.columns["decision"] == .text("admit"),
                let reservation = change.columns["reservation_id"]?.textValue
            else { return nil }
            member =
                (try? engine.store.row(RowRef(table: "reservations", key: reservation)))??.state.values[
                    "member_id"]?.textValue
        default: return nil
        }
        guard let member, !member.isEmpty else { return nil }
        return ScalperWatch.Use(member: member, site: change.channel.mall, at: at, event: change.key)
    }
}

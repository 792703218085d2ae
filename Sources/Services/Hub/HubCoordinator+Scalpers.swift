import EdgeRules
import Foundation
import Logging
import MallSchema
import Storage
import SyncCore

extension HubCoordinator {
    /// Feeds every accepted redemption and admitted entry to the scalper
    /// watch, and records each flag it raises in the conflict ledger (a
    /// `conflicts` row of kind `scalper.too-fast` or `scalper.many-sites`,
    /// item the member, status open) on the channel of the use that raised it.
    func watchForScalpers(_ changes: [Change]) {
        for change in changes where change.op == .insert {
            guard
                let use = Self.scalperUse(
                    table: change.table, key: change.key, site: change.channel.mall, values: change.columns,
                    store: engine.store)
            else { continue }
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

    /// Feeds the watch the uses of its horizon from the store, so a restarted
    /// hub still sees a member's last day. Their flags were recorded when the
    /// uses first arrived, so the ones this raises again are dropped.
    static func scalperWatch(
        from store: SQLiteHubStore, configuration: ScalperWatch.Configuration, now: UInt64, logger: Logger
    ) throws -> ScalperWatch {
        var scalpers = ScalperWatch(configuration: configuration)
        let since = Int64(clamping: now) &- max(configuration.windowMillis, 24 * 3_600_000)
        let columns = [
            "gift_redemptions": ["member_id", "at"],
            "gate_passages": ["direction", "decision", "reservation_id", "at"],
        ]
        // Collected first and resolved after the read: resolving a passage's
        // member reads the store, and GRDB traps on a read inside a read.
        var recent: [(table: String, key: String, site: String, values: [String: Value])] = []
        for (table, wanted) in columns {
            try store.forEachRecentRow(of: table, columns: wanted, timeColumn: "at", since: since) {
                key, channel, values in
                recent.append((table, key, channel.mall, values))
            }
        }
        let uses = recent.compactMap {
            scalperUse(table: $0.table, key: $0.key, site: $0.site, values: $0.values, store: store)
        }
        for use in uses.sorted(by: { ($0.at, $0.event) < ($1.at, $1.event) }) { _ = scalpers.observe(use) }
        logger.info("scalper watch rebuilt", metadata: ["scalpers.uses": "\(uses.count)"])
        return scalpers
    }

    /// The member, site and time of a redemption or an admitted entry.
    private static func scalperUse(
        table: String, key: String, site: String, values: [String: Value], store: SQLiteHubStore
    ) -> ScalperWatch.Use? {
        guard case .int(let at)? = values["at"] else { return nil }
        let member: String?
        switch table {
        case "gift_redemptions":
            member = values["member_id"]?.textValue
        case "gate_passages":
            guard values["direction"] == .text("in"), values["decision"] == .text("admit"),
                let reservation = values["reservation_id"]?.textValue
            else { return nil }
            member =
                (try? store.row(RowRef(table: "reservations", key: reservation)))??.state.values[
                    "member_id"]?.textValue
        default: return nil
        }
        guard let member, !member.isEmpty else { return nil }
        return ScalperWatch.Use(member: member, site: site, at: at, event: key)
    }
}

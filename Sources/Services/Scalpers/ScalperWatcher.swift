import Foundation
public import Logging
public import MallDomain
public import Storage
import SyncCore

/// Watches every accepted redemption and admitted entry for the scalper
/// flags, and records each flag it raises in the conflict ledger (a
/// `conflicts` row of kind `scalper.too-fast` or `scalper.many-sites`, item
/// the member, status open) on the channel of the use that raised it. Its
/// own actor, fed by the hub's accepted changes; it writes through the hub.
public actor ScalperWatcher: AcceptedChangesObserver {
    let hub: HubCoordinator
    let logger: Logger
    var watch: ScalperWatch

    /// - Parameter watch: the watch `rebuilt(from:configuration:now:logger:)` made.
    public init(watch: ScalperWatch, hub: HubCoordinator, logger: Logger) {
        self.watch = watch
        self.hub = hub
        self.logger = logger
    }

    /// A watch fed the uses of its horizon from the store, so a restarted
    /// hub still sees a member's last day. Their flags were recorded when the
    /// uses first arrived, so the ones this raises again are dropped.
    /// - Parameter store: read before the hub takes it (`Wiring.hub`).
    public static func rebuilt(
        from store: SQLiteHubStore, configuration: ScalperWatch.Configuration, now: UInt64, logger: Logger
    ) throws -> ScalperWatch {
        var watch = ScalperWatch(configuration: configuration)
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
            use(table: $0.table, key: $0.key, site: $0.site, values: $0.values) { reservation in
                try? store.row(RowRef(table: "reservations", key: reservation))?.state.values["member_id"]?.textValue
            }
        }
        for use in uses.sorted(by: { ($0.at, $0.event) < ($1.at, $1.event) }) { _ = watch.observe(use) }
        logger.info("scalper watch rebuilt", metadata: ["scalpers.uses": "\(uses.count)"])
        return watch
    }

    public func accepted(_ accepted: AcceptedChanges) async {
        for change in accepted.changes where change.op == .insert {
            var member: String?
            // Only an admitted entry has a member to look up.
            if change.table == "gate_passages", change.columns["direction"] == .text("in"),
                change.columns["decision"] == .text("admit"),
                let reservation = change.columns["reservation_id"]?.textValue
            {
                member = try? await hub.row(table: "reservations", key: reservation)?.values["member_id"]?.textValue
            }
            guard
                let use = Self.use(
                    table: change.table, key: change.key, site: change.channel.mall, values: change.columns,
                    memberOf: { _ in member })
            else { continue }
            for flag in watch.observe(use) {
                await record(flag, raisedBy: use, on: change.channel)
            }
        }
    }

    private func record(_ flag: ScalperWatch.Flag, raisedBy use: ScalperWatch.Use, on channel: Channel) async {
        let sides = flag.uses.map { ["event": $0.event, "site": $0.site, "at": String($0.at)] }
        let data = (try? JSONSerialization.data(withJSONObject: sides, options: [.sortedKeys])) ?? Data()
        let now = Int64(clamping: hub.clock.now())
        do {
            try await hub.write(
                [
                    LocalWrite(
                        table: "conflicts", key: "\(flag.kind.rawValue):\(flag.member):\(use.event)", op: .insert,
                        columns: [
                            "kind": .text(flag.kind.rawValue), "item": .text(flag.member), "rule": .text(flag.rule),
                            "sides": .text(String(decoding: data, as: UTF8.self)), "status": .text("open"),
                            "detected_at": .int(now), "claims": .int(Int64(flag.uses.count)),
                        ], channelKind: channel.kind)
                ], mall: channel.mall, decision: "scalper.flag")
            hub.metrics?.conflict(kind: flag.kind.rawValue)
            logger.notice(
                "scalper flagged", metadata: ["conflict.kind": "\(flag.kind.rawValue)", "member": "\(flag.member)"])
        } catch {
            logger.error("scalper flag not recorded", metadata: ["sync.error": "\(error)"])
        }
    }

    /// The member, site and time of a redemption or an admitted entry;
    /// `memberOf` names the member holding a reservation.
    private static func use(
        table: String, key: String, site: String, values: [String: Value], memberOf: (String) -> String?
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
            member = memberOf(reservation)
        default: return nil
        }
        guard let member, !member.isEmpty else { return nil }
        return ScalperWatch.Use(member: member, site: site, at: at, event: key)
    }
}

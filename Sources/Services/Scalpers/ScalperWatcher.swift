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
            GiftRedemptionRows.table: GiftRedemptionRows.useColumns,
            GatePassageRecord.table: GatePassageRecord.entryColumns,
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
                (try? store.row(RowRef(table: Reservation.table, key: reservation))?.state.values)
                    .flatMap(Reservation.memberID(in:))
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
            if change.table == GatePassageRecord.table,
                let entry = GatePassageRecord.admittedEntry(change.columns)
            {
                member = (try? await hub.row(table: Reservation.table, key: entry.reservation)?.values)
                    .flatMap(Reservation.memberID(in:))
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
        let now = Int64(clamping: hub.clock.now())
        do {
            try await hub.write(
                [flag.ledgerEntry(raisedBy: use.event, on: channel.kind, at: now)], mall: channel.mall,
                decision: "scalper.flag")
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
        let member: String?
        let at: Int64
        switch table {
        case GiftRedemptionRows.table:
            guard let redemption = GiftRedemptionRows.use(values) else { return nil }
            (member, at) = (redemption.member, redemption.at)
        case GatePassageRecord.table:
            guard let entry = GatePassageRecord.admittedEntry(values) else { return nil }
            (member, at) = (memberOf(entry.reservation), entry.at)
        default: return nil
        }
        guard let member, !member.isEmpty else { return nil }
        return ScalperWatch.Use(member: member, site: site, at: at, event: key)
    }
}

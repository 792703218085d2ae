import MallDomain
import SyncCore

/// A year of a busy mall, compressed: each day's busy part is played with
/// faults, healed and checked for convergence; then the clock jumps to the
/// next morning, every process as it was (a quiet night), and the hub's
/// store is backed up as a nightly job would. Retention and retirement
/// (SPEC §12) run on the days' own clocks, so what a year leaves behind is
/// what a year of service would.
extension World {
    static let calendarDayMillis: UInt64 = 86_400_000

    func playSoak() {
        for day in 0..<configuration.soakDays {
            skipAhead(to: Self.dayStart + UInt64(day) * Self.calendarDayMillis)
            if hub.engine != nil { hubBackup = (hub.store.backup(), now, notApplied) }
            faultsActive = true
            setWeather(drop: 0.02, duplicate: 0.02, latency: 200)
            activityEnds = now + configuration.dayMillis
            for client in clients { queue.push(.activity(client), at: now + activityInterval(for: client)) }
            queue.push(.fault, at: now + random.millis(1000...10_000))
            run(until: activityEnds)
            healAll()
            let limit = now + configuration.settleLimitMillis
            while !isConverged(excluding: nil) && now < limit { run(until: now + 1000) }
            guard isConverged(excluding: nil) else {
                return fail("day \(day + 1): no convergence after healing: \(divergence(excluding: nil))")
            }
            forgetRowsTheHubNoLongerHolds()
            if (day + 1) % 30 == 0 || day + 1 == configuration.soakDays { sampleHoldings(day: day + 1) }
        }
        checkHoldingsLevelOff()
    }

    /// Moves the clock forward to `time` with nothing happening in between:
    /// every pending event keeps its distance from the present.
    func skipAhead(to time: UInt64) {
        guard time > now else { return }
        queue.delay(by: time - now)
        now = time
    }

    /// Activity picks among rows the mall still holds, not among every row
    /// ever made (the hub retired the others).
    private func forgetRowsTheHubNoLongerHolds() {
        for table in keys.keys.sorted() {
            keys[table]?.removeAll { key in
                guard let row = try? hub.store.row(RowRef(table: table, key: key)) else { return true }
                return !row.state.isVisible
            }
        }
        let codes = Set(keys["gift_codes"] ?? [])
        for code in usesByItem.keys.sorted() where !codes.contains(code) {
            usesByItem[code] = nil
        }
    }

    private func sampleHoldings(day: Int) {
        var held: [String: Int] = [:]
        for (what, count) in hub.store.holdings { held["hub \(what)"] = count }
        for node in nodes {
            for (what, count) in node.store.holdings { held["\(node.id) \(what)"] = count }
        }
        report.holdings.append(HoldingsSample(day: day, held: held))
    }

    /// Whatever a replica holds of a kind whose life ends within the run
    /// must level off: from the month after its longest life passed, the
    /// later half of the samples averages at most a third more than the
    /// earlier half (a week of kept changes swings with the day's faults;
    /// growth shows in the averages). Kinds kept longer than the run
    /// (conflicts kept a year) are reported, not judged.
    private func checkHoldingsLevelOff() {
        for series in Set(report.holdings.flatMap(\.held.keys)).sorted() {
            guard let settlesOn = daysToLevelOff(series) else { continue }
            let settled = report.holdings.filter { $0.day >= settlesOn }.map { Double($0.held[series] ?? 0) }
            guard settled.count >= 2 else { continue }
            let earlier = settled.prefix(settled.count / 2)
            let later = settled.suffix(settled.count - settled.count / 2)
            let (before, after) = (
                earlier.reduce(0, +) / Double(earlier.count), later.reduce(0, +) / Double(later.count)
            )
            if after > max(before, 10) * 4 / 3 {
                fail(
                    "\(series) keeps growing after day \(settlesOn): on average \(Int(before)), then \(Int(after))")
            }
        }
    }

    /// The day by which a series must have levelled off, or nil when it is
    /// not bounded within a soak worth running: rows kept longer (conflicts
    /// kept a year, and the log records of every row kept) and rows that
    /// grow with the business (members, vehicles, staff).
    func daysToLevelOff(_ series: String) -> Int? {
        let parts = series.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[1] {
        case "outbox", "acknowledged", "claims": return 150
        case "log records": return nil
        default: break
        }
        guard let table = schema.tables[parts[1]] else { return nil }
        let longest: UInt64
        if let lapse = table.lapse {
            // The simulated codes lapse within a day of their issue.
            longest = lapse.atLeastMillis
        } else if let retain = table.retainMillis {
            longest = retain
        } else if let retirement = table.retirement {
            // Retired a while after its time (a booking's window starts on
            // the day it is made), then its tombstone is collected.
            longest = retirement.afterMillis + 7 * Self.calendarDayMillis
        } else {
            return nil
        }
        let days = Int(longest / Self.calendarDayMillis) + 30
        return days <= 270 ? days : nil
    }
}

/// What the replicas held at the end of a soak day: rows by table, and the
/// bookkeeping that must not grow for ever (outboxes, kept acknowledged
/// changes, the hub's log records and claims).
public struct HoldingsSample: Sendable {
    public var day: Int
    /// By "holder what", such as "hub gate_passages" or "gate-1 outbox".
    public var held: [String: Int]
}

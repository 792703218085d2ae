import MallDomain
import SyncCore

extension World {
    static let dayStart: UInt64 = 1_795_000_000_000

    /// Plays the configured day, heals, waits for convergence and checks
    /// every invariant. The report lists each violation.
    public func run() -> SimulationReport {
        now = Self.dayStart
        broker.autosave()
        queue.push(.autosave, at: now + 30_000)
        for client in clients {
            startProcess(client)
            queue.push(.tick(client), at: now + random.millis(1...tickInterval))
            queue.push(.activity(client), at: now + activityInterval(for: client))
        }
        switch configuration.mode {
        case .safety: playFaultyDay()
        case .liveness: playIsolation()
        case .soak: playSoak()
        }
        healAll()
        let healedAt = now
        // Let every node report once more on the healed network.
        run(until: now + 3000)
        let limit = healedAt + configuration.settleLimitMillis
        while !isConverged(excluding: nil) && now < limit {
            run(until: now + 1000)
        }
        report.convergeMillis = now - healedAt
        if !isConverged(excluding: nil) {
            fail(
                "no convergence within \(configuration.settleLimitMillis / 1000) s of healing: \(divergence(excluding: nil))"
            )
        } else {
            checkInvariants()
        }
        for record in hub.store.log where isExplained(record.entry.change) {
            let change = record.entry.change
            explain(
                "hub log #\(record.entry.seq): \(change.op.rawValue) \(change.id) hlc \(change.hlc) hash \(record.hash)\(record.collected ? " (collected)" : "")"
            )
        }
        report.simulatedMillis = now - Self.dayStart
        report.traceHash = trace.value
        report.brokerDropped = broker.dropped
        report.tombstonesCollected = hub.store.collectedTombstones
        report.snapshotsInstalled = nodes.reduce(0) { $0 + $1.store.snapshotInstalls }
        report.changes = hub.store.log.count
        return report
    }

    private func playFaultyDay() {
        faultsActive = true
        setWeather(drop: 0.02, duplicate: 0.02, latency: 200)
        activityEnds = now + configuration.dayMillis
        queue.push(.fault, at: now + random.millis(1000...10_000))
        run(until: activityEnds)
    }

    /// One node is cut off for hours; the others keep working through light
    /// network faults and must keep converging with the hub without it.
    private func playIsolation() {
        faultsActive = true
        setWeather(drop: 0.01, duplicate: 0.01, latency: 100)
        let index = random.int(0...(nodes.count - 1))
        isolated = index
        // Let the fleet bootstrap before the cut.
        run(until: now + 60_000)
        if random.chance(0.5) {
            setLink(.node(index), up: false)
            report.partitions += 1
        } else {
            crashProcess(.node(index), rollback: random.chance(0.5))
        }
        let end = now + configuration.isolationMillis
        activityEnds = end - 180_000
        run(until: end)
        if !isConverged(excluding: index) {
            fail(
                "the fleet without \(nodes[index].id) made no progress while it was cut off: \(divergence(excluding: index))"
            )
        }
    }

    /// The first row whose visible values differ between a node and the hub.
    /// The first row whose merge state differs (§12.4: insert flag, delete
    /// stamp, cells with their stamps), among the rows each digest counts.
    func firstDifference(_ node: Node, _ channel: Channel, nodeFloor: UInt64, hubFloor: UInt64, at: UInt64) -> String {
        func counted(_ rows: [SnapshotRow], floor: UInt64) -> [RowRef: SnapshotRow] {
            Dictionary(
                uniqueKeysWithValues: ReplicaDigest.counted(rows, floor: floor, schema: schema, now: at).map {
                    ($0.ref, $0)
                })
        }
        let mine = counted((try? node.store.rows(in: channel)) ?? [], floor: nodeFloor)
        let hubs = counted((try? hub.store.rows(in: channel)) ?? [], floor: hubFloor)
        for ref in Set(mine.keys).union(hubs.keys).sorted() {
            let there = mine[ref].map { ReplicaDigest.canonicalBytes(of: $0) }
            let atHub = hubs[ref].map { ReplicaDigest.canonicalBytes(of: $0) }
            guard there != atHub else { continue }
            return
                ": \(ref.table)/\(ref.key) is \(mine[ref].map { "\($0.state) seq \($0.seq)" } ?? "absent") there, "
                + "\(hubs[ref].map { "\($0.state) seq \($0.seq)" } ?? "absent") at the hub"
        }
        return ""
    }

    /// Every live node has sent everything, is at the hub's heads, and holds
    /// what the hub holds.
    func isConverged(excluding: Int?) -> Bool {
        divergence(excluding: excluding).isEmpty
    }

    func divergence(excluding: Int?) -> String {
        guard let hubEngine = hub.engine else { return "hub down" }
        for node in nodes where node.index != excluding {
            guard let engine = node.engine else { return "\(node.id) down" }
            if engine.outboxStatus.depth > 0 { return "\(node.id) outbox \(engine.outboxStatus.depth)" }
            for channel in engine.configuration.channels {
                let head = hubEngine.heads[channel] ?? 0
                guard engine.cursor(of: channel) ?? 0 >= head else {
                    return
                        "connected=\(node.connected) link=\(node.linkUp) broker=\(broker.up) \(engine.describeSync(of: channel)) \(node.id) \(channel) cursor \(engine.cursor(of: channel) ?? 0) < head \(head)"
                }
            }
        }
        for node in nodes where node.index != excluding {
            for channel in node.engine!.configuration.channels {
                let at = physicalTime(of: .hub)
                let nodeFloor = (try? node.store.collectedFloor(of: channel)) ?? 0
                let hubFloor = hubEngine.floors[channel] ?? 0
                let mine = ReplicaDigest.of(
                    (try? node.store.rows(in: channel)) ?? [], floor: nodeFloor, schema: schema, now: at)
                let hubs = ReplicaDigest.of(
                    (try? hub.store.rows(in: channel)) ?? [], floor: hubFloor, schema: schema, now: at)
                if mine != hubs {
                    let difference = firstDifference(node, channel, nodeFloor: nodeFloor, hubFloor: hubFloor, at: at)
                    return "\(node.id) \(channel) digest differs from the hub's\(difference)"
                }
            }
        }
        return ""
    }
}

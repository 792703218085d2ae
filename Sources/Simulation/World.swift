import MallDomain
import SyncCore

/// A deterministic simulated mall: a hub, N edge nodes and a broker, driven
/// by one seeded random source on one thread, with faults injected at every
/// layer. `run()` plays a day, heals everything, and checks the invariants.
public final class World {
    enum Client: Hashable, Comparable {
        case hub
        case node(Int)
    }

    indirect enum Event {
        case tick(Client)
        case activity(Client)
        case arriveAtBroker(from: Client, connection: Int, outgoing: Outgoing)
        case arriveAtClient(Client, connection: Int, delivery: SimulatedBroker.Delivery)
        case fault
        case restoreLink(Client)
        case restartProcess(Client)
        case restartBroker
        case autosave
    }

    final class Node {
        let index: Int
        let id: NodeID
        let role: Role
        let store: MemoryReplicaStore
        var engine: NodeEngine<MemoryReplicaStore>?
        var clockOffset: Int64 = 0
        var linkUp = true
        var connected = false
        var connection = 0
        /// Changes this node committed that its disk still holds, by commit number.
        var durable: [(commit: Int, changes: [LogicalID])] = []

        init(index: Int, id: NodeID, role: Role, schema: SyncSchema, seed: UInt64) {
            self.index = index
            self.id = id
            self.role = role
            store = MemoryReplicaStore(schema: schema, seed: seed)
        }
    }

    final class Hub {
        let store: MemoryHubStore
        var engine: HubEngine<MemoryHubStore>?
        var linkUp = true
        var connected = false
        var connection = 0

        init(schema: SyncSchema) {
            store = MemoryHubStore(schema: schema)
        }
    }

    /// What a change is, independent of the id it travels under (a change
    /// moved to a new epoch keeps its content, and its content hash leaves
    /// the id out). The row and clock are kept for failure messages.
    struct LogicalID: Hashable {
        var origin: NodeID
        var contentHash: String
        var table: String
        var key: String
        var hlc: HybridTimestamp

        init(_ change: Change) {
            origin = change.id.origin
            contentHash = change.contentHash
            table = change.table
            key = change.key
            hlc = change.hlc
        }
    }

    static let mall = "mall-1"
    let configuration: SimulationConfiguration
    var random: SeededRandom
    var now: UInt64 = 0
    var queue = EventQueue<Event>()
    let broker: SimulatedBroker
    var nodes: [Node] = []
    let hub: Hub
    let schema: SyncSchema
    var hubConfiguration: HubEngine<MemoryHubStore>.Configuration
    var trace = TraceHash()
    var report: SimulationReport
    let codec: WireCodec
    /// With `roundTripCodec`: the first messages of each type as they went
    /// over the wire, for checking real traffic against the published schemas.
    public private(set) var wireSamples: [String: [String]] = [:]

    // Fault dials, live during the faulty part of the day.
    var faultsActive = false
    var dropRate = 0.0
    var duplicateRate = 0.0
    var maxLatency: UInt64 = 20
    var activityEnds: UInt64 = 0
    var isolated: Int?

    // What the fleet holds, for picking rows to act on: the keys the hub
    // inserted by table, the event rows that used each single-use item (so a
    // node can tell it used one already), and the rows each node made.
    var keys: [String: [String]] = [:]
    var usesByItem: [String: [String]] = [:]
    var ownRowsByNode: [Int: [String]] = [:]
    var counter = 0
    /// Changes the hub took without applying (beyond the role's rights on
    /// the row as it stood, such as a gate admitting on a booking the hub
    /// had cancelled meanwhile): accounted for, not lost.
    var notApplied: Set<LogicalID> = []
    /// The hub's latest backup, when it was taken, and the changes the hub
    /// had taken without applying by then (a restore takes that back too).
    var hubBackup: (store: MemoryHubStore, takenAt: UInt64, notApplied: Set<LogicalID>)?

    public init(configuration: SimulationConfiguration) {
        self.configuration = configuration
        random = SeededRandom(seed: configuration.seed)
        broker = SimulatedBroker(maxQueued: configuration.brokerMaxQueued)
        report = SimulationReport(seed: configuration.seed, mode: configuration.mode)
        schema = configuration.workload.schema
        hub = Hub(schema: schema)
        codec = WireCodec(schema: schema)
        let roles = configuration.workload.nodeRoles
        var fleet: [NodeID: HubEngine<MemoryHubStore>.FleetMember] = [:]
        for index in 0..<configuration.nodeCount {
            let role = roles[index % roles.count]
            let id = "\(role.rawValue)-\(index / roles.count + 1)"
            nodes.append(
                Node(
                    index: index, id: id, role: role, schema: schema, seed: configuration.seed &+ UInt64(index) &* 7919)
            )
            fleet[id] = .init(mall: Self.mall, role: role)
        }
        // The simulated clocks jump by hours (up to `World.maxClockOffsetMillis`)
        // to stress the hybrid clock; the hub's stamp bounds are set wide enough
        // that its honest nodes stay inside them. `StampBoundsTests` and the
        // hostile fault test the production bounds.
        // Windows of a few rows, so every snapshot takes many (§9.5) and
        // the faults interrupt them half way.
        var sizing = SeededRandom(seed: configuration.seed &+ 0x9E37_79B9)
        hubConfiguration = .init(
            schema: schema, fleet: fleet,
            gcHorizonMillis: configuration.mode == .liveness ? 3_600_000 : 24 * 3_600_000,
            snapshotRowsPerPart: sizing.int(2...8), snapshotRowsPerWindow: sizing.int(3...40),
            maxStampAheadMillis: 2 * Self.maxClockOffsetMillis, maxEpochBackdateMillis: 2 * Self.maxClockOffsetMillis)
    }

    // MARK: Clocks

    /// How far a simulated node's clock may be off, either way.
    static let maxClockOffsetMillis: UInt64 = 6 * 3_600_000

    func physicalTime(of client: Client) -> UInt64 {
        switch client {
        case .hub: return now
        case .node(let index):
            return UInt64(max(0, Int64(now) + nodes[index].clockOffset))
        }
    }

    func name(of client: Client) -> String {
        switch client {
        case .hub: "hub"
        case .node(let index): nodes[index].id
        }
    }

    var clients: [Client] { [.hub] + nodes.indices.map { .node($0) } }

    // MARK: Processes

    func isProcessUp(_ client: Client) -> Bool {
        switch client {
        case .hub: hub.engine != nil
        case .node(let index): nodes[index].engine != nil
        }
    }

    func startProcess(_ client: Client) {
        switch client {
        case .hub:
            guard hub.engine == nil else { return }
            hub.engine = attempt { try HubEngine(configuration: hubConfiguration, store: hub.store) }
        case .node(let index):
            let node = nodes[index]
            guard node.engine == nil else { return }
            let configuration = NodeEngine<MemoryReplicaStore>.Configuration(
                schema: schema, node: node.id, mall: Self.mall, role: node.role,
                heartbeatIntervalMillis: self.configuration.mode == .liveness ? 5000 : 1000)
            node.engine = attempt { try NodeEngine(configuration: configuration, store: node.store) }
            // As the node's coordinator does: a disk that loses the stage
            // after its request for the next window left is what a rollback
            // plays out.
            node.engine?.sendsAhead = { [unowned self] message in self.publish(from: client, [message]) }
            if let engine = node.engine, engine.isTakingStagedSnapshot { report.snapshotsResumed += 1 }
        }
        refreshConnection(client)
    }

    /// A crash: the process is gone, and with `rollback` its disk lies.
    func crashProcess(_ client: Client, rollback: Bool) {
        switch client {
        case .hub:
            guard hub.engine != nil else { return }
            hub.engine = nil
        case .node(let index):
            let node = nodes[index]
            guard node.engine != nil else { return }
            node.engine = nil
            node.store.crash(rollback: rollback)
            explain(
                "\(node.id) crashes\(rollback ? ", disk back to commit \(node.store.commits), \(node.store.lastRollbackLost) lost" : "")"
            )
            if rollback {
                report.rollbacks += 1
                node.durable.removeAll { $0.commit > node.store.commits }
            }
        }
        report.crashes += 1
        refreshConnection(client)
    }

    // MARK: Connections

    /// Connects or disconnects a client to match process, link and broker state.
    func refreshConnection(_ client: Client) {
        let want = isProcessUp(client) && linkUp(client) && broker.up
        let have = isConnected(client)
        guard want != have else { return }
        let id = name(of: client)
        if want {
            setConnected(client, true)
            let (subscriptions, will, willRetained) = sessionSettings(of: client)
            for delivery in broker.connect(id, subscriptions: subscriptions, will: will, willRetained: willRetained) {
                scheduleDelivery(delivery, to: client)
            }
            switch client {
            case .hub:
                let engine = hub.engine!
                publish(from: client, [engine.status(now: physicalTime(of: .hub))])
            case .node(let index):
                let engine = nodes[index].engine!
                publish(
                    from: client,
                    attempt { try engine.connectionChanged(up: true, now: physicalTime(of: client)) } ?? [])
            }
        } else {
            setConnected(client, false)
            if broker.up {
                for (target, delivery) in broker.disconnect(id, graceful: false) {
                    scheduleDelivery(delivery, to: clientNamed(target))
                }
            }
            if case .node(let index) = client, let engine = nodes[index].engine {
                _ = attempt { try engine.connectionChanged(up: false, now: physicalTime(of: client)) }
            }
        }
    }

    func linkUp(_ client: Client) -> Bool {
        switch client {
        case .hub: hub.linkUp
        case .node(let index): nodes[index].linkUp
        }
    }

    func setLink(_ client: Client, up: Bool) {
        switch client {
        case .hub: hub.linkUp = up
        case .node(let index): nodes[index].linkUp = up
        }
        refreshConnection(client)
    }

    func isConnected(_ client: Client) -> Bool {
        switch client {
        case .hub: hub.connected
        case .node(let index): nodes[index].connected
        }
    }

    func connection(of client: Client) -> Int {
        switch client {
        case .hub: hub.connection
        case .node(let index): nodes[index].connection
        }
    }

    private func setConnected(_ client: Client, _ value: Bool) {
        switch client {
        case .hub:
            hub.connected = value
            if value { hub.connection += 1 }
        case .node(let index):
            nodes[index].connected = value
            if value { nodes[index].connection += 1 }
        }
    }

    func clientNamed(_ name: String) -> Client {
        if name == "hub" { return .hub }
        return .node(nodes.firstIndex { $0.id == name }!)
    }

    private func sessionSettings(of client: Client) -> ([String], SimulatedBroker.Delivery?, Bool) {
        switch client {
        case .hub:
            let will = hub.engine!.offlineStatus(now: now)
            return (Topics.hubSubscriptions, SimulatedBroker.Delivery(topic: will.topic, message: will.message), true)
        case .node(let index):
            let node = nodes[index]
            let engine = node.engine!
            let topics = Topics.nodeSubscriptions(node.id, mall: Self.mall, channels: engine.configuration.channels)
            let will = SimulatedBroker.Delivery(
                topic: Topics.node(node.id, mall: Self.mall, .death),
                message: .death(Death(node: node.id, epoch: engine.epoch)))
            return (topics, will, false)
        }
    }

    // MARK: Messages

    func latency() -> UInt64 {
        random.millis(1...maxLatency)
    }

    func publish(from client: Client, _ outgoing: [Outgoing]) {
        for message in outgoing {
            guard isConnected(client) else {
                report.messagesLost += 1
                continue
            }
            if faultsActive && random.chance(dropRate) {
                report.messagesLost += 1
                continue
            }
            let event = Event.arriveAtBroker(from: client, connection: connection(of: client), outgoing: message)
            queue.push(event, at: now + latency())
            if faultsActive && random.chance(duplicateRate) {
                queue.push(event, at: now + latency())
            }
        }
    }

    func scheduleDelivery(_ delivery: SimulatedBroker.Delivery, to client: Client) {
        let event = Event.arriveAtClient(client, connection: connection(of: client), delivery: delivery)
        queue.push(event, at: now + latency())
        if faultsActive && random.chance(duplicateRate) {
            queue.push(event, at: now + latency())
        }
    }

    func arriveAtBroker(from client: Client, connection: Int, outgoing: Outgoing) {
        guard broker.up, isConnected(client), self.connection(of: client) == connection else {
            report.messagesLost += 1
            return
        }
        let delivery = SimulatedBroker.Delivery(topic: outgoing.topic, message: outgoing.message)
        for (target, routed) in broker.publish(delivery, retain: outgoing.retained) {
            scheduleDelivery(routed, to: clientNamed(target))
        }
    }

    func arriveAtClient(_ client: Client, connection: Int, delivery: SimulatedBroker.Delivery) {
        guard isConnected(client), self.connection(of: client) == connection else {
            if broker.up { broker.requeue(delivery, for: name(of: client)) }
            return
        }
        report.messagesDelivered += 1
        var message = delivery.message
        if configuration.roundTripCodec {
            let encoded = codec.encode(message)
            if wireSamples[message.type, default: []].count < 200 {
                wireSamples[message.type, default: []].append(String(decoding: encoded, as: UTF8.self))
            }
            guard let decoded = try? codec.decode(encoded), decoded == message else {
                fail("codec round trip changed a \(message.type) message")
                return
            }
            message = decoded
        }
        trace.add(now)
        trace.add(name(of: client))
        trace.add(message.type)
        switch client {
        case .hub:
            let result = hub.engine!.receive(topic: delivery.topic, message: message, now: physicalTime(of: .hub))
            if isHostile(message) {
                checkRefused(result, message)
            } else if let rejection = result.rejection {
                if rejection.code == .epochReuse {
                    report.epochReuses += 1
                } else if rejection.code == .rateLimited, case .snapshotRequest = message {
                    // Back-pressure, not a fault: the node asks again at its next timeout.
                    report.rateLimited += 1
                } else {
                    fail("hub rejected a message from an honest node: \(rejection)")
                }
            }
            for change in result.notApplied { notApplied.insert(LogicalID(change)) }
            report.notApplied += result.notApplied.count
            publish(from: .hub, result.outgoing)
        case .node(let index):
            let engine = nodes[index].engine!
            if case .control(let control) = message, control.command == .epochSuperseded {
                explain(
                    "\(nodes[index].id) told epoch \(control.epoch ?? 0) superseded (min \(control.minEpoch ?? 0)), runs \(engine.epoch)"
                )
            }
            publish(from: client, attempt { try engine.receive(message, now: physicalTime(of: client)) } ?? [])
        }
    }

    // MARK: Running

    func attempt<T>(_ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch {
            fail("unexpected error: \(error)")
            return nil
        }
    }

    /// Adds a line to the story of the explained row.
    func explain(_ line: @autoclosure () -> String) {
        guard configuration.explain != nil else { return }
        report.explanation.append("t+\(now - Self.dayStart) \(line())")
    }

    func isExplained(_ change: Change) -> Bool {
        configuration.explain == "\(change.table)/\(change.key)"
    }

    func fail(_ message: String) {
        if report.failures.count < 20 { report.failures.append(message) }
    }

    func handle(_ event: Event) {
        switch event {
        case .tick(let client):
            queue.push(.tick(client), at: now + tickInterval)
            guard isProcessUp(client) else { return }
            switch client {
            case .hub:
                publish(from: .hub, attempt { try hub.engine!.tick(now: physicalTime(of: .hub)) } ?? [])
            case .node(let index):
                let engine = nodes[index].engine!
                publish(from: client, attempt { try engine.tick(now: physicalTime(of: client)) } ?? [])
            }
        case .activity(let client):
            guard now < activityEnds else { return }
            queue.push(.activity(client), at: now + activityInterval(for: client))
            guard isProcessUp(client) else { return }
            trace.add(now)
            act(client)
        case .arriveAtBroker(let client, let connection, let outgoing):
            arriveAtBroker(from: client, connection: connection, outgoing: outgoing)
        case .arriveAtClient(let client, let connection, let delivery):
            arriveAtClient(client, connection: connection, delivery: delivery)
        case .fault:
            guard faultsActive else { return }
            injectFault()
            queue.push(.fault, at: now + random.millis(2000...20_000))
        case .restoreLink(let client):
            if case .node(let index) = client, index == isolated { return }
            setLink(client, up: true)
        case .restartProcess(let client):
            if case .node(let index) = client, index == isolated { return }
            startProcess(client)
        case .restartBroker:
            guard !broker.up else { return }
            broker.restart()
            for client in clients { refreshConnection(client) }
        case .autosave:
            if broker.up { broker.autosave() }
            queue.push(.autosave, at: now + 30_000)
        }
    }

    var tickInterval: UInt64 { configuration.mode == .liveness ? 2000 : 1000 }

    /// Plays events until `time`.
    func run(until time: UInt64) {
        while let nextTime = queue.nextTime, nextTime <= time {
            let next = queue.pop()!
            now = next.time
            handle(next.event)
        }
        now = max(now, time)
    }
}

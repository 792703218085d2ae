import BrokerHarness
import Foundation
import Logging
import MosquittoTransport
import Simulation
import Testing
import Transport

/// One broker and its clients, real or in memory: every contract test runs
/// against both, so the fake the service tests use behaves like Mosquitto.
protocol BrokerFixture: Sendable {
    func client(_ session: Session) throws -> any MessageTransport
    /// The client vanishes as a crashed process would: the broker publishes its will.
    func crash(_ client: any MessageTransport) async
    func stopBroker()
    func startBroker() throws
}

struct RealBroker: BrokerFixture {
    let broker: MosquittoBroker

    init() throws { broker = try MosquittoBroker() }

    func client(_ session: Session) throws -> any MessageTransport {
        let options = MosquittoClient.Options(
            port: broker.port, backoff: ReconnectBackoff(initialMillis: 20, maxMillis: 200))
        return try MosquittoClient(session: session, options: options, logger: Logger(label: "test"))
    }

    func crash(_ client: any MessageTransport) async {
        await (client as! MosquittoClient).stop(sendingWill: true)
    }

    func stopBroker() { broker.stop() }
    func startBroker() throws { try broker.start() }
}

struct FakeBroker: BrokerFixture {
    let broker = InMemoryBroker()

    func client(_ session: Session) throws -> any MessageTransport {
        InMemoryTransport(broker: broker, session: session)
    }

    func crash(_ client: any MessageTransport) async { (client as! InMemoryTransport).kill() }
    func stopBroker() { broker.crash() }
    func startBroker() throws { broker.restart() }
}

enum BrokerKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case mosquitto, inMemory
    var testDescription: String { rawValue }

    func make() throws -> any BrokerFixture {
        switch self {
        case .mosquitto: try RealBroker()
        case .inMemory: FakeBroker()
        }
    }
}

private func connected(_ events: EventRecorder<TransportEvent>) async -> Bool {
    await events.wait { $0.contains { if case .connected = $0 { true } else { false } } }
}

private func messages(_ events: [TransportEvent]) -> [TransportMessage] {
    events.compactMap { if case .message(let message) = $0 { message } else { nil } }
}

@Suite("Transport contract: Mosquitto and the in-memory fake behave alike", .serialized)
struct TransportContractTests {
    @Test(arguments: BrokerKind.allCases)
    func publishedMessagesReachSubscribersInOrderAndIntact(kind: BrokerKind) async throws {
        let fixture = try kind.make()
        let subscriber = try fixture.client(Session(clientID: "sub", subscriptions: ["t/+/x"]))
        let inbox = EventRecorder(subscriber.events)
        subscriber.start()
        #expect(await connected(inbox))
        let publisher = try fixture.client(Session(clientID: "pub", subscriptions: []))
        let outbox = EventRecorder(publisher.events)
        publisher.start()
        #expect(await connected(outbox))

        // When 300 messages, one with every byte value, are published in one call…
        let sent = (0..<300).map { i in
            TransportMessage(topic: "t/\(i % 3)/x", payload: i == 0 ? Array(0...255) : Array("m\(i)".utf8))
        }
        try await publisher.publish(sent)
        try await publisher.publish([TransportMessage(topic: "t/other", payload: [1])])

        // …then the subscriber gets each exactly as sent, in order, and nothing it did not subscribe to.
        #expect(await inbox.wait { messages($0).count >= 300 })
        #expect(messages(inbox.all).map(\.payload) == sent.map(\.payload))
        #expect(messages(inbox.all).map(\.topic) == sent.map(\.topic))
        await publisher.stop()
        await subscriber.stop()
    }

    /// Connects `session` once and leaves, so that the broker keeps it for
    /// a client away; returns a connected publisher.
    private static func leave(_ session: Session, andPublishWith fixture: any BrokerFixture) async throws
        -> any MessageTransport
    {
        let first = try fixture.client(session)
        let firstEvents = EventRecorder(first.events)
        first.start()
        #expect(await connected(firstEvents))
        await first.stop()
        let publisher = try fixture.client(Session(clientID: "hub", subscriptions: []))
        let hubEvents = EventRecorder(publisher.events)
        publisher.start()
        #expect(await connected(hubEvents))
        return publisher
    }

    @Test(arguments: BrokerKind.allCases)
    func persistentSessionKeepsMessagesForAnOfflineSubscriber(kind: BrokerKind) async throws {
        let fixture = try kind.make()
        let session = Session(clientID: "node-a", subscriptions: ["down/a"])
        let publisher = try await Self.leave(session, andPublishWith: fixture)
        try await publisher.publish((0..<20).map { TransportMessage(topic: "down/a", payload: [UInt8($0)]) })

        // Given the same client id comes back, it gets what was queued while it was away.
        let second = try fixture.client(session)
        let secondEvents = EventRecorder(second.events)
        second.start()
        #expect(await secondEvents.wait { messages($0).count == 20 })
        #expect(secondEvents.all.first == .connected(sessionPresent: true))
        #expect(messages(secondEvents.all).map(\.payload) == (0..<20).map { [UInt8($0)] })
        await second.stop()
        await publisher.stop()
    }

    /// The hub's status, every second, to a gate away for an hour: were it
    /// queued at QoS 1, 3,600 statuses would fill the gate's queue (1,000
    /// by default) and push out the channel batches queued beside them.
    @Test(arguments: BrokerKind.allCases)
    func aLatestOnlySubscriptionQueuesNothingWhileAwayAndGetsTheRetainedOneBack(kind: BrokerKind) async throws {
        let fixture = try kind.make()
        let session = Session(clientID: "node-s", subscriptions: ["down/s", "status"], latestOnly: ["status"])
        let publisher = try await Self.leave(session, andPublishWith: fixture)
        try await publisher.publish(
            (0..<30).map { TransportMessage(topic: "status", payload: [UInt8($0)], retained: true) }
                + [TransportMessage(topic: "down/s", payload: [200])])

        // Given the client comes back, it gets the queued QoS 1 message and
        // the latest status alone, none of the 29 before it.
        let second = try fixture.client(session)
        let secondEvents = EventRecorder(second.events)
        second.start()
        #expect(await secondEvents.wait { events in messages(events).contains { $0.topic == "status" } })
        #expect(await secondEvents.wait { events in messages(events).contains { $0.topic == "down/s" } })
        // A status published now still arrives: the subscription holds while connected.
        try await publisher.publish([TransportMessage(topic: "status", payload: [100], retained: true)])
        #expect(await secondEvents.wait { events in messages(events).contains { $0.payload == [100] } })
        let statuses = messages(secondEvents.all).filter { $0.topic == "status" }.map(\.payload)
        #expect(statuses == [[29], [100]])
        #expect(messages(secondEvents.all).filter { $0.topic == "down/s" }.map(\.payload) == [[200]])
        await second.stop()
        await publisher.stop()
    }

    @Test(arguments: BrokerKind.allCases)
    func willIsPublishedWhenAClientDiesButNotWhenItStops(kind: BrokerKind) async throws {
        let fixture = try kind.make()
        let watcher = try fixture.client(Session(clientID: "hub", subscriptions: ["death/#"]))
        let watched = EventRecorder(watcher.events)
        watcher.start()
        #expect(await connected(watched))

        let will = TransportMessage(topic: "death/clean", payload: Array("clean".utf8))
        let clean = try fixture.client(Session(clientID: "clean", subscriptions: [], will: will))
        let cleanEvents = EventRecorder(clean.events)
        clean.start()
        #expect(await connected(cleanEvents))
        await clean.stop()

        let dying = try fixture.client(
            Session(clientID: "dying", subscriptions: [], will: TransportMessage(topic: "death/dying", payload: [7])))
        let dyingEvents = EventRecorder(dying.events)
        dying.start()
        #expect(await connected(dyingEvents))
        await fixture.crash(dying)

        #expect(await watched.wait { messages($0).contains { $0.topic == "death/dying" } })
        #expect(!messages(watched.all).contains { $0.topic == "death/clean" })
        await watcher.stop()
    }

    @Test(arguments: BrokerKind.allCases)
    func publishFailsFastWithoutABrokerAndRecoversWhenItReturns(kind: BrokerKind) async throws {
        let fixture = try kind.make()
        let client = try fixture.client(Session(clientID: "node-b", subscriptions: ["echo"]))
        let events = EventRecorder(client.events)
        client.start()
        #expect(await connected(events))

        // When the broker goes away, the client says so and refuses to queue.
        fixture.stopBroker()
        #expect(await events.wait { $0.contains { if case .disconnected = $0 { true } else { false } } })
        await #expect(throws: TransportError.self) {
            try await client.publish([TransportMessage(topic: "echo", payload: [1])])
        }

        // When it returns, the client reconnects by itself and works again.
        try fixture.startBroker()
        #expect(await events.wait { $0.filter { if case .connected = $0 { true } else { false } }.count == 2 })
        try await client.publish([TransportMessage(topic: "echo", payload: [2])])
        #expect(await events.wait { messages($0).contains { $0.payload == [2] } })
        await client.stop()
    }

    @Test(arguments: BrokerKind.allCases)
    func retainedMessageReachesALateSubscriber(kind: BrokerKind) async throws {
        let fixture = try kind.make()
        let publisher = try fixture.client(Session(clientID: "hub", subscriptions: []))
        let hubEvents = EventRecorder(publisher.events)
        publisher.start()
        #expect(await connected(hubEvents))
        try await publisher.publish([TransportMessage(topic: "status", payload: [1], retained: true)])

        let late = try fixture.client(Session(clientID: "late", subscriptions: ["status"]))
        let lateEvents = EventRecorder(late.events)
        late.start()
        #expect(await lateEvents.wait { messages($0).contains { $0.payload == [1] && $0.retained } })
        await late.stop()
        await publisher.stop()
    }
}

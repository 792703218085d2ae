import BrokerHarness
import Foundation
import Logging
import MosquittoTransport
import Testing
import Transport

/// `publish` never drops what it was given: past the window of publishes
/// awaiting the broker it waits for room. (It used to refuse the rest of the
/// batch once 2,000 awaited the broker, so a snapshot of more parts could
/// never arrive whole.)
@Suite("Publish back-pressure", .serialized)
struct PublishBackPressureTests {
    @Test func tenTimesTheWindowInOneCallAllArriveInOrder() async throws {
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let subscriber = try MosquittoClient(
            session: Session(clientID: "sub", subscriptions: ["parts/#"]), options: .init(port: broker.port),
            logger: quiet)
        let inbox = EventRecorder(subscriber.events)
        subscriber.start()
        #expect(await inbox.wait { $0.contains { if case .connected = $0 { true } else { false } } })
        let window = 50
        let publisher = try MosquittoClient(
            session: Session(clientID: "pub", subscriptions: []),
            options: .init(port: broker.port, maxInFlight: 20, maxAwaitingAck: window), logger: quiet)
        let outbox = EventRecorder(publisher.events)
        publisher.start()
        #expect(await outbox.wait { $0.contains { if case .connected = $0 { true } else { false } } })

        // Two callers at once, each with ten times the window.
        let batches = (0..<2).map { caller in
            (0..<(10 * window)).map {
                TransportMessage(topic: "parts/\(caller)", payload: Array("\(caller)-\($0)".utf8))
            }
        }
        try await withThrowingTaskGroup { group in
            for batch in batches { group.addTask { try await publisher.publish(batch) } }
            try await group.waitForAll()
        }
        func received(_ caller: Int, in events: [TransportEvent]) -> [[UInt8]] {
            events.compactMap { event -> [UInt8]? in
                guard case .message(let message) = event, message.topic == "parts/\(caller)" else { return nil }
                return message.payload
            }
        }
        #expect(await inbox.wait { received(0, in: $0).count + received(1, in: $0).count >= 20 * window })
        for caller in 0..<2 { #expect(received(caller, in: inbox.all) == batches[caller].map(\.payload)) }
        await publisher.stop()
        await subscriber.stop()
    }
}

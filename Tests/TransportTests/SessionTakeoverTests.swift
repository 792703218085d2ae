import BrokerHarness
import Logging
import MosquittoTransport
import Testing
import Transport

/// Two processes configured with one client id knock each other off the
/// broker. After a few connections dropped right after they were made, each
/// logs the suspicion and backs off fully, so the pair does not flap forever.
@Suite("Session takeover", .serialized)
struct SessionTakeoverTests {
    @Test func twoProcessesWithOneClientIDDoNotFlapForever() async throws {
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let quiet = Logger(label: "takeover") { _ in SwiftLogNoOpLogHandler() }
        let options = MosquittoClient.Options(
            port: broker.port, backoff: ReconnectBackoff(initialMillis: 20, maxMillis: 5_000))
        let first = try MosquittoClient(
            session: Session(clientID: "gate-1", subscriptions: []), options: options, logger: quiet)
        let firstEvents = EventRecorder(first.events)
        first.start()
        #expect(await firstEvents.wait { $0.contains { if case .connected = $0 { true } else { false } } })

        let second = try MosquittoClient(
            session: Session(clientID: "gate-1", subscriptions: []), options: options, logger: quiet)
        let secondEvents = EventRecorder(second.events)
        let started = ContinuousClock.now
        second.start()

        // Mosquitto closes the older connection without a reason, so left to
        // themselves the two would reconnect hundreds of times a second.
        try await Task.sleep(for: .seconds(3))
        let connects = (firstEvents.all + secondEvents.all).filter { if case .connected = $0 { true } else { false } }
        // Each takes the session back a few times before its first full
        // backoff, then at most twice per backoff (once, and once more if
        // the other's long hold reset its count). The sleep may last far
        // longer than asked on a loaded machine (a run beside a release
        // build took 33 s): the bound counts the backoffs after the first
        // that fit in the time that passed.
        let elapsed = ContinuousClock.now - started
        let backoffs = Int((elapsed / .milliseconds(options.backoff.maxMillis)).rounded(.up))
        let bound = 2 * (MosquittoClient.takeoverSuspicion + 1) + 4 * max(0, backoffs - 1)
        #expect(connects.count <= bound, "\(connects.count) connections in \(elapsed)")
        await first.stop()
        await second.stop()
    }
}

import MallDomain
import Simulation
import SyncCore
import Testing

/// The hub's side of the invalid vectors: each one, arriving from a fleet
/// node on its own topic, is refused with the vector's code, counted, and
/// changes nothing.
@Suite struct HubRejectsInvalidVectorsTests {
    static let invalidFiles = ProtocolVectors.files.filter { $0.hasPrefix("invalid/") }

    @Test(arguments: invalidFiles)
    func hubRefusesAndChangesNothing(_ file: String) throws {
        let vector = try ProtocolVectors.load(file)
        guard case .fails(let code) = vector.expectation else { return }
        let store = MemoryHubStore(schema: .mall)
        let hub = try HubEngine(
            configuration: .init(schema: .mall, fleet: ["gate-1": .init(mall: "mall-1", role: .gate)]), store: store)
        let topic = Topics.node("gate-1", mall: "mall-1", .up)

        let result = hub.receive(topic: topic, payload: vector.payload, now: 1_800_000_000_000)

        #expect(result.rejection?.code.rawValue == code, "\(file): \(vector.description)")
        #expect(result.outgoing.isEmpty)
        #expect(store.log.isEmpty)
        #expect(hub.nodes.isEmpty)
        #expect(hub.rejections.values.reduce(0, +) == 1)
    }
}

import AsyncHTTPClient
import Benchmark
import BrokerHarness
import Foundation
import Hummingbird
import Logging
import Services

/// A gate controller's whole request, over HTTP on loopback with one
/// keep-alive client: `POST /v1/gate/reads` to the node's real API (token
/// checked, JSON validated, decided, committed durably, answered), beside a
/// bare Hummingbird route on the same server stack that reads the body and
/// answers a fixed JSON of the same size, through the same client.
func registerHTTPBenchmarks() {
    let node = Held<(GateFixture, NodeCoordinator, Served)>()
    Benchmark("HTTP gate read · MallEdge: POST /v1/gate/reads, decided and durable") { benchmark in
        guard let (fixture, _, served) = node.value else { return benchmark.error("no fixture") }
        for _ in benchmark.scaledIterations {
            let status = try await served.post("/v1/gate/reads", json: readJSON(fixture.read()))
            guard (200..<300).contains(status) else { return benchmark.error("the node answered \(status)") }
        }
    } setup: {
        let fixture = try GateFixture()
        let coordinator = try fixture.node()
        node.value = (fixture, coordinator, try await Served(NodeAPI.router(coordinator: coordinator)))
    } teardown: {
        await node.value?.2.stop()
        node.value = nil
    }

    let bare = Held<(GateFixture, Served)>()
    Benchmark("HTTP gate read · baseline: bare Hummingbird route, fixed JSON answer") { benchmark in
        guard let (fixture, served) = bare.value else { return benchmark.error("no fixture") }
        for _ in benchmark.scaledIterations {
            let status = try await served.post("/echo", json: readJSON(fixture.read()))
            guard (200..<300).contains(status) else { return benchmark.error("the bare route answered \(status)") }
        }
    } setup: {
        let router = Router()
        router.post("/echo") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 64 * 1024)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: bareAnswer)))
        }
        bare.value = (try GateFixture(), try await Served(router))
    } teardown: {
        await bare.value?.1.stop()
        bare.value = nil
    }
}

/// About the size of the node's answer to a gate read.
let bareAnswer =
    #"{"passage":"gp-bench-gate-1-1","decision":{"verdict":"admit","reason":"reservation valid","#
    + #""reservation":"r1","rule":"exact"},"plate":{"raw":"京A·12345","normalized":"京A12345","kind":"ordinary"},"#
    + #""at":1764806400000,"decidedInMicros":28}"#

/// The body a gate controller sends for `read`.
func readJSON(_ read: GateRead) -> String {
    var fields: [String: Any] = [
        "lane": read.lane, "direction": read.direction.rawValue, "plate": read.plate.text,
        "confidence": read.plate.confidence,
    ]
    if let confidences = read.plate.characterConfidences { fields["characterConfidences"] = confidences }
    let data = (try? JSONSerialization.data(withJSONObject: fields)) ?? Data()
    return String(decoding: data, as: UTF8.self)
}

/// A router served by Hummingbird on a free loopback port until `stop`.
final class Served {
    let port: Int
    private let server: Task<Void, any Error>

    init<Responder: HTTPResponderBuilder>(_ router: Responder) async throws
    where Responder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let port = try FreePort.next()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            logger: Logger(label: "benchmark") { _ in SwiftLogNoOpLogHandler() })
        server = Task { try await app.runService() }
        self.port = port
        for _ in 0..<500 where !FreePort.accepts(port) { try await Task.sleep(for: .milliseconds(10)) }
    }

    /// Posts `json` with the device token; the answer's status (its body is read).
    func post(_ path: String, json: String) async throws -> UInt {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(GateFixture.deviceToken)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response.status.code
    }

    func stop() async {
        server.cancel()
        _ = await server.result
    }
}

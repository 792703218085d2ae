import BrokerHarness
import Foundation
import Services
import StorageFaults
import Testing

/// Every state-changing route of a node, with its replica's disk full, its
/// file system read-only or its device failing (a SQLite VFS shim fails the
/// writes of that one file): a documented 503 that names the cause, nothing
/// changed, the node still answers, and the same request succeeds once the
/// cause goes.
@Suite(.serialized) struct StorageFaultTests {
    static let causes: [StorageFaults.Kind: String] = [
        .diskFull: "the disk is full", .readOnly: "the file system is read-only", .ioError: "an I/O error",
    ]

    @Test func everyStateChangingRouteAnswers503WithTheCauseAndRecovers() async throws {
        try StorageFaults.install()
        defer { StorageFaults.clear() }
        try await OpenAPIContractTests().withFixture { nodes, login in
            for operation in OpenAPIContractTests.operations where operation.method != "GET" {
                let node = nodes[OpenAPIContractTests.role(of: operation.path)]!
                let token = try await OpenAPIContractTests.prepare(operation, at: node, login: login)
                #expect(operation.spec["responses"]?["503"] != nil, "\(operation.name): 503 not documented")
                for (kind, cause) in Self.causes.sorted(by: { $0.value < $1.value }) {
                    let digests = try await node.node.digests()
                    StorageFaults.inject(kind, intoFilesContaining: node.node.replicaPath)
                    let (status, data) = try await node.raw(
                        operation.method, operation.path, body: operation.example, token: token)
                    let failed = StorageFaults.failedCalls
                    StorageFaults.clear()
                    let message = ServedNode.message(
                        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
                    #expect(status == 503, "\(operation.name) with \(kind): \(message)")
                    #expect(message.contains(cause), "\(operation.name) with \(kind): \(message)")
                    #expect(failed > 0, "\(operation.name) with \(kind): the fault never bit")
                    #expect(try await node.node.digests() == digests, "\(operation.name) with \(kind) changed data")
                    #expect(try await node.raw("GET", "/v1/health", body: nil, token: nil).0 == 200)
                }
                // The cause gone, the same request gets its documented answer.
                let (status, data) = try await node.raw(
                    operation.method, operation.path, body: operation.example, token: token)
                #expect(
                    status == operation.expectedStatus,
                    "\(operation.name) after recovery: \(String(decoding: data, as: UTF8.self))")
            }
        }
    }
}

import Foundation
import Testing

@testable import MallDomain
@testable import SyncCore

/// The published cases of the stored merge state (SPEC §12.5) in
/// `sync-protocol/vectors/merge-state/cases.json`, and an implementation
/// written from the spec alone (`deploy/scripts/merge-state-bytes.py`) that
/// must reproduce them.
///
/// When the cases change, regenerate the file with
/// `UPDATE_MERGE_STATE_VECTORS=1 swift test --filter MergeStateVectorTests` and review the diff.
@Suite struct MergeStateVectorTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../sync-protocol/vectors/merge-state/cases.json").standardized
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../deploy/scripts/merge-state-bytes.py").standardized

    static func stamp(_ wall: UInt64, _ counter: UInt32 = 0, _ origin: String = "hub", epoch: UInt64 = 1, seq: UInt64)
        -> Stamp
    {
        Stamp(
            hlc: HybridTimestamp(wallMillis: wall, counter: counter),
            id: ChangeID(origin: origin, epoch: epoch, seq: seq))
    }

    static let valid: [(String, RowState)] = {
        var booked = RowState(inserted: true)
        booked.cells["plate"] = .init(value: .text("沪A12345"), stamp: stamp(1_732_263_600_000, seq: 7))
        booked.cells["status"] = .init(value: .text("booked"), stamp: stamp(1_732_263_600_000, seq: 7))
        booked.cells["window_end"] = .init(value: .int(1_732_350_000_000), stamp: stamp(1_732_263_600_000, seq: 7))
        booked.cells["zone"] = .init(value: .null, stamp: stamp(1_732_263_600_000, seq: 7))
        var inside = booked
        inside.cells["status"] = .init(
            value: .text("inside"), stamp: stamp(1_732_263_700_000, 3, "gate-1", epoch: 4, seq: 1_000_000))
        let deleted = RowState(inserted: true, deleted: stamp(1_732_263_800_000, 1, "gate-2", epoch: 2, seq: 9))
        // The wire's integers stop at 2^53 - 1 (§6); the bytes hold any 64-bit value.
        let top: UInt64 = 1 << 53 - 1
        var extremes = RowState(inserted: false)
        extremes.cells["a"] = .init(
            value: .int(-Int64(top)), stamp: stamp(top, UInt32.max, "g", epoch: top, seq: top))
        extremes.cells["b"] = .init(value: .int(-1), stamp: stamp(0, seq: 0))
        extremes.cells["é"] = .init(value: .text(""), stamp: stamp(128, seq: 1))
        extremes.cells["Z"] = .init(value: .int(Int64(top)), stamp: stamp(127, seq: 1))
        return [
            ("an empty state: no insert known yet", RowState()),
            ("a reservation as booked, one null cell", booked),
            ("the same after a gate's update of one column", inside),
            ("a tombstone that remembers its insert", deleted),
            ("extremes: the wire's largest integers, an empty text, names ordered by bytes (Z, a, b, é)", extremes),
        ]
    }()

    @Test func thePublishedCasesAreTheCodecs() throws {
        var valid: [[String: Any]] = []
        for (description, state) in Self.valid {
            let row = SnapshotRow(table: "reservations", key: "r-1", seq: 1, state: state)
            let wire = try #require(ReplicaDigestTests.wireRows([row]).first as? [String: Any])
            valid.append([
                "description": description, "state": wire["state"] ?? [:],
                "bytes": state.bytes.map { String(format: "%02x", $0) }.joined(),
            ])
        }
        let refused = RowStateBytesTests.refused.map { description, bytes in
            ["description": description, "bytes": bytes.map { String(format: "%02x", $0) }.joined()]
        }
        let document: [String: Any] = ["valid": valid, "refused": refused]
        let data = try JSONSerialization.data(
            withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        if ProcessInfo.processInfo.environment["UPDATE_MERGE_STATE_VECTORS"] == "1" {
            try FileManager.default.createDirectory(
                at: Self.file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try (String(decoding: data, as: UTF8.self) + "\n").write(to: Self.file, atomically: true, encoding: .utf8)
            return
        }
        let published = try String(contentsOf: Self.file, encoding: .utf8)
        #expect(
            published == String(decoding: data, as: UTF8.self) + "\n",
            "run UPDATE_MERGE_STATE_VECTORS=1 swift test --filter MergeStateVectorTests")
        // And each published state, decoded through the wire codec, is the case's.
        let rows = try ReplicaDigestTests.decodeRows(
            valid.map { ["table": "reservations", "key": "r-1", "seq": 1, "state": $0["state"] ?? [:]] })
        #expect(rows.map(\.state) == Self.valid.map(\.1))
    }

    @Test func anImplementationFromTheSpecAloneReproducesTheCases() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script.path, Self.file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let total = Self.valid.count + RowStateBytesTests.refused.count
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("\(total) of \(total) cases reproduced"), "\(output)")
    }
}

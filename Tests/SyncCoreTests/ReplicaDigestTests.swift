import Foundation
import Simulation
import Testing

@testable import MallDomain
@testable import SyncCore

/// The replica digest (SPEC §12.4): what it covers, the published vectors in
/// `sync-protocol/vectors/digest/`, and an implementation written from the
/// spec alone (`deploy/scripts/replica-digest.py`) that must reproduce them.
///
/// When the cases below change, regenerate the vectors with
/// `UPDATE_DIGEST_VECTORS=1 swift test --filter ReplicaDigestTests` and review the diff.
@Suite struct ReplicaDigestTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../sync-protocol/vectors/digest").standardized
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../deploy/scripts/replica-digest.py").standardized
    static let parking = Channel(mall: "mall-1", kind: .parking)

    // MARK: What the digest covers

    @Test func theWholeMergeStateCountsNotOnlyWhatUsersSee() {
        let row = Self.reservation("r-1", status: "booked", wall: 1_000)
        let digest = ReplicaDigest.of([row], floor: 0, schema: .mall)
        // Not inserted, yet the same cells: invisible both ways before, now different.
        var notInserted = row
        notInserted.state.inserted = false
        #expect(ReplicaDigest.of([notInserted], floor: 0, schema: .mall) != digest)
        // The same value set by a later clock.
        var later = row
        later.state.cells["status"]!.stamp.hlc.counter += 1
        #expect(ReplicaDigest.of([later], floor: 0, schema: .mall) != digest)
        // A tombstone that remembers an insert, and one that does not.
        var deleted = row
        deleted.state.apply(Self.change(.delete, "r-1", wall: 2_000))
        var deletedUninserted = deleted
        deletedUninserted.state.inserted = false
        #expect(
            ReplicaDigest.of([deleted], floor: 0, schema: .mall)
                != ReplicaDigest.of([deletedUninserted], floor: 0, schema: .mall))
    }

    @Test func aStampCountsAsItsClockAndOriginNotItsID() {
        // A node renumbers a change into a new epoch after a hub restore (§9.6).
        let row = Self.reservation("r-1", status: "booked", wall: 1_000)
        var renumbered = row
        renumbered.state.cells["status"]!.stamp.id = ChangeID(origin: "hub", epoch: 9, seq: 1)
        #expect(
            ReplicaDigest.of([renumbered], floor: 0, schema: .mall) == ReplicaDigest.of([row], floor: 0, schema: .mall))
        var otherOrigin = row
        otherOrigin.state.cells["status"]!.stamp.id.origin = "gate-1"
        #expect(
            ReplicaDigest.of([otherOrigin], floor: 0, schema: .mall) != ReplicaDigest.of([row], floor: 0, schema: .mall)
        )
    }

    @Test func tombstonesAtOrBelowTheFloorAndRowOrderDoNotCount() {
        let live = Self.reservation("r-1", status: "booked", wall: 1_000)
        var tombstone = Self.reservation("r-2", status: "booked", wall: 1_000, seq: 40)
        tombstone.state.apply(Self.change(.delete, "r-2", wall: 2_000))
        #expect(
            ReplicaDigest.of([live, tombstone], floor: 40, schema: .mall)
                == ReplicaDigest.of([live], floor: 40, schema: .mall))
        #expect(
            ReplicaDigest.of([live, tombstone], floor: 39, schema: .mall)
                != ReplicaDigest.of([live], floor: 39, schema: .mall))
        #expect(
            ReplicaDigest.of([tombstone, live], floor: 0, schema: .mall)
                == ReplicaDigest.of([live, tombstone], floor: 0, schema: .mall))
    }

    // MARK: The published vectors

    @Test func thePublishedVectorsAreTheCasesAndTheirDigests() throws {
        let update = ProcessInfo.processInfo.environment["UPDATE_DIGEST_VECTORS"] == "1"
        for digestCase in Self.cases {
            let file = Self.directory.appendingPathComponent("\(digestCase.name).json")
            let rowsJSON = try Self.wireRows(digestCase.rows)
            let counted = ReplicaDigest.inDigestOrder(
                ReplicaDigest.counted(digestCase.rows, floor: digestCase.floor, schema: .mall, now: nil))
            let document: [String: Any] = [
                "description": digestCase.description, "floor": digestCase.floor, "rows": rowsJSON,
                "rowBytes": counted.map {
                    ReplicaDigest.canonicalBytes(of: $0).map { String(format: "%02x", $0) }.joined()
                },
                "digest": ReplicaDigest.of(digestCase.rows, floor: digestCase.floor, schema: .mall),
            ]
            if update {
                let data = try JSONSerialization.data(
                    withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                try (String(decoding: data, as: UTF8.self) + "\n").write(to: file, atomically: true, encoding: .utf8)
                continue
            }
            let published = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any],
                "\(file.lastPathComponent) is missing: run UPDATE_DIGEST_VECTORS=1 swift test --filter ReplicaDigestTests"
            )
            #expect(published["digest"] as? String == document["digest"] as? String, "\(digestCase.name)")
            #expect(published["rowBytes"] as? [String] == document["rowBytes"] as? [String], "\(digestCase.name)")
            // The published rows decode, through the wire codec, to the case's rows.
            let decoded = try Self.decodeRows(try #require(published["rows"] as? [Any]))
            #expect(decoded == digestCase.rows, "\(digestCase.name)")
        }
    }

    @Test func anImplementationFromTheSpecAloneReproducesTheVectors() throws {
        let (status, output) = try Self.runScript([Self.directory.path])
        #expect(status == 0, "\(output.suffix(2000))")
        #expect(output.contains("\(Self.cases.count) of \(Self.cases.count) digests reproduced"), "\(output)")
    }

    /// And every replica of a simulated day, the hub's and each node's, with
    /// its tombstones, floors, conflict rows and hub corrections.
    @Test func anImplementationFromTheSpecAloneReproducesASimulatedFleetsDigests() throws {
        let world = World(configuration: .init(seed: 9, mode: .safety, dayMillis: 3 * 60_000))
        let report = world.run()
        #expect(report.failures.isEmpty, "seed 9: \(report.failures)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let states = world.replicaStates()
        var tombstonesOrFloors = 0
        for (index, state) in states.enumerated() {
            tombstonesOrFloors += state.rows.filter(\.state.isTombstone).count + (state.floor > 0 ? 1 : 0)
            let document: [String: Any] = [
                "floor": state.floor, "rows": try Self.wireRows(state.rows),
                "digest": ReplicaDigest.of(state.rows, floor: state.floor, schema: .mall),
            ]
            let name = "\(index)-\(state.replica)-\(state.channel.kind.rawValue).json"
            try JSONSerialization.data(withJSONObject: document).write(to: directory.appendingPathComponent(name))
        }
        #expect(states.count > 6 && states.map(\.rows.count).reduce(0, +) > 100 && tombstonesOrFloors > 0)
        let (status, output) = try Self.runScript([directory.path])
        #expect(status == 0, "\(output.suffix(2000))")
        #expect(output.contains("\(states.count) of \(states.count) digests reproduced"), "\(output.suffix(500))")
    }

    // MARK: Cases

    struct Case {
        var name: String
        var description: String
        var floor: UInt64
        var rows: [SnapshotRow]
    }

    static var cases: [Case] {
        var ghost = reservation("r-3", status: "inside", wall: 1_732_263_600_900, origin: "gate-2", counter: 4)
        ghost.state.inserted = false
        var collected = reservation("r-8", status: "left", wall: 1_732_263_600_100, seq: 1_100)
        collected.state.apply(change(.delete, "r-8", wall: 1_732_263_601_000))
        var kept = reservation("r-9", status: "booked", wall: 1_732_263_600_100, seq: 1_101)
        kept.state.apply(change(.delete, "r-9", wall: 1_732_263_602_000, origin: "hub", counter: 2))
        var neverInserted = SnapshotRow(table: "reservations", key: "r-10", seq: 1_150, state: RowState())
        neverInserted.state.apply(change(.delete, "r-10", wall: 1_732_263_603_000, origin: "gate-1"))
        let passage = SnapshotRow(
            table: "gate_passages", key: "gp-gate-1-7-12", seq: 1_180,
            state: state(
                [
                    "reservation_id": .text("r-1"), "plate": .text("沪A12345"), "direction": .text("in"),
                    "decision": .text("admit"), "confidence": .int(987), "reason": .null, "at": .int(1_732_263_600_500),
                ], wall: 1_732_263_600_500, origin: "gate-1", counter: 0))
        var window = reservation("r-5", status: "booked", wall: 1_732_263_600_123)
        window.state.cells["window_start"] = .init(
            value: .int(1_732_300_000_000),
            stamp: Stamp(hlc: .init(wallMillis: 1_732_263_600_124, counter: 0), id: id("hub", 3)))
        // Keys whose UTF-8 order differs from Swift's String order: "café"
        // composed (U+00E9) and decomposed (e + U+0301) are one string to
        // Swift, two keys to a byte-comparing store.
        let composed = reservation("caf\u{e9}", status: "booked", wall: 1_732_263_600_200)
        let decomposed = reservation("cafe\u{301}", status: "left", wall: 1_732_263_600_201)
        let upper = reservation("Z-1", status: "booked", wall: 1_732_263_600_202)
        return [
            Case(
                name: "empty-channel", description: "A channel with no rows: the digest of the header alone.",
                floor: 0, rows: []),
            Case(
                name: "visible-and-ghost-rows",
                description:
                    "Two visible reservations and an event row (text, integer and null values, "
                    + "cells from different origins and counters), and a row with cells but no insert: "
                    + "it counts, though no user sees it.",
                floor: 0, rows: [reservation("r-1", status: "booked", wall: 1_732_263_600_123), window, ghost, passage]),
            Case(
                name: "tombstones-and-floor",
                description:
                    "At floor 1100: the tombstone at seq 1100 is left out; the one at 1101 (it remembers "
                    + "its insert) and the one at 1150 (a delete of a row never inserted) count.",
                floor: 1_100,
                rows: [collected, kept, neverInserted, reservation("r-1", status: "booked", wall: 1_732_263_600_123)]),
            Case(
                name: "bytewise-order",
                description:
                    "Rows in order of their keys' UTF-8 bytes: 'Z-1' (0x5A) before 'cafe\\u0301' (…65 CC 81) "
                    + "before 'caf\\u00e9' (…C3 A9); a composed and a decomposed key are two rows.",
                floor: 0, rows: [composed, upper, decomposed]),
        ]
    }

    static func id(_ origin: String, _ seq: UInt64, epoch: UInt64 = 11) -> ChangeID {
        ChangeID(origin: origin, epoch: epoch, seq: seq)
    }

    static func state(_ values: [String: Value], wall: UInt64, origin: String, counter: UInt32) -> RowState {
        let stamp = Stamp(hlc: HybridTimestamp(wallMillis: wall, counter: counter), id: id(origin, wall % 1000))
        return RowState(inserted: true, cells: values.mapValues { RowState.Cell(value: $0, stamp: stamp) })
    }

    static func reservation(
        _ key: String, status: String, wall: UInt64, seq: UInt64 = 1_000, origin: String = "hub", counter: UInt32 = 0
    ) -> SnapshotRow {
        SnapshotRow(
            table: "reservations", key: key, seq: seq,
            state: state(
                ["plate": .text("沪A12345"), "status": .text(status), "zone": .null], wall: wall, origin: origin,
                counter: counter))
    }

    static func change(
        _ op: Change.Operation, _ key: String, wall: UInt64, origin: String = "hub", counter: UInt32 = 0
    ) -> Change {
        Change(
            id: id(origin, wall % 1000 + 1), hlc: HybridTimestamp(wallMillis: wall, counter: counter),
            table: "reservations", key: key, channel: parking, op: op, columns: [:])
    }

    // MARK: Wire form

    /// The rows as a snapshot part carries them (§7.2).
    static func wireRows(_ rows: [SnapshotRow]) throws -> [Any] {
        let part = SnapshotPart(
            node: "gate-1", channel: parking, snapshotID: "1-1-1", at: rows.map(\.seq).max() ?? 0, part: 0, parts: 1,
            rows: rows)
        let encoded = WireCodec(schema: .mall).encode(.snapshotPart(part))
        let object = try JSONSerialization.jsonObject(with: Data(encoded)) as? [String: Any]
        return object?["rows"] as? [Any] ?? []
    }

    static func decodeRows(_ rows: [Any]) throws -> [SnapshotRow] {
        let message: [String: Any] = [
            "v": 1, "type": "snapshot", "node": "gate-1", "channel": parking.description, "snapshotID": "1-1-1",
            "at": 2_000, "part": 0, "parts": 1, "rows": rows,
        ]
        let data = try JSONSerialization.data(withJSONObject: message)
        guard case .snapshotPart(let part) = try WireCodec(schema: .mall).decode(Array(data))
        else { throw WireError(.malformed, "not a snapshot") }
        return part.rows
    }

    static func runScript(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}

import Foundation
import Simulation
import Testing

@testable import MallDomain
@testable import SyncCore

/// The shared protocol test vectors in `sync-protocol/vectors/`: every
/// implementation of protocol v1, in any language, must decode them the same way.
@Suite struct ProtocolVectorTests {
    @Test(arguments: ProtocolVectors.files)
    func vectorDecodesAsSpecified(_ file: String) throws {
        let vector = try ProtocolVectors.load(file)
        let codec = WireCodec(schema: .mall)

        switch vector.expectation {
        case .decodes(let type):
            // Given a valid payload, when it is decoded, then it is a message of
            // the expected type that survives an encode/decode round trip.
            let message = try codec.decode(vector.payload)
            #expect(message.type == type, "\(file): \(vector.description)")
            let again = try codec.decode(codec.encode(message))
            #expect(again == message, "\(file): re-encoding changed the message")
        case .fails(let code):
            do throws(WireError) {
                let message = try codec.decode(vector.payload)
                Issue.record("\(file): decoded as \(message.type), expected \(code): \(vector.description)")
            } catch {
                #expect(error.code.rawValue == code, "\(file): \(error) (\(vector.description))")
            }
        }
    }

    /// A newer hub may replicate a kind of data no role of this version
    /// knows; its status must still be read, and the node passes by the
    /// kind's heads and floors (§16.1).
    @Test func aStatusNamingAnUnknownChannelKindIsReadWithoutIt() throws {
        let vector = try ProtocolVectors.load("valid/hub-status-unknown-channel-kind.json")
        guard case .hubStatus(let status) = try WireCodec(schema: .mall).decode(vector.payload) else {
            Issue.record("not a hub status")
            return
        }
        let parking = Channel(mall: "mall-1", kind: .parking)
        let valet = Channel(mall: "mall-1", kind: Channel.Kind("valet"))
        #expect(
            status.heads == [ChannelPosition(channel: parking, seq: 1215), ChannelPosition(channel: valet, seq: 1216)])
        #expect(
            status.floors == [ChannelPosition(channel: parking, seq: 1100), ChannelPosition(channel: valet, seq: 0)])

        // and a node that hears it keeps syncing the channels it knows.
        let node = try NodeEngine(
            configuration: .init(schema: .mall, node: "gate-1", mall: "mall-1", role: .gate),
            store: MemoryReplicaStore(schema: .mall))
        _ = try node.connectionChanged(up: true, now: 1_732_350_002_000)
        let requests = try node.receive(.hubStatus(status), now: 1_732_350_002_200)
        #expect(requests.contains { if case .snapshotRequest = $0.message { true } else { false } })
    }

    /// The rows of a part as compact bytes (§7.2) are the rows as JSON: the
    /// two vectors differ in nothing else, and re-encoded as the other asks,
    /// each gives the other's payload.
    @Test func rowsAsBytesAreTheRowsAsJSON() throws {
        let codec = WireCodec(schema: .mall)
        guard
            case .snapshotPart(let json) = try codec.decode(
                try ProtocolVectors.load("valid/snapshot-window-first.json").payload),
            case .snapshotPart(let bytes) = try codec.decode(
                try ProtocolVectors.load("valid/snapshot-window-row-bytes.json").payload)
        else {
            Issue.record("not snapshot parts")
            return
        }
        #expect(!json.rowsAsBytes && bytes.rowsAsBytes)
        var asBytes = json
        asBytes.rowsAsBytes = true
        #expect(asBytes == bytes)
        #expect(try codec.decode(codec.encode(.snapshotPart(asBytes))) == .snapshotPart(bytes))
        guard
            case .snapshotRequest(let request) = try codec.decode(
                try ProtocolVectors.load("valid/snapshot-request-row-bytes.json").payload)
        else {
            Issue.record("not a snapshot request")
            return
        }
        #expect(request.rowEncoding == SnapshotRow.bytesEncoding)
    }

    /// A resend answer's entries as compact bytes (§7.2), encoded by a
    /// script written from the spec, are the entries as JSON.
    @Test func entriesAsBytesAreTheEntriesAsJSON() throws {
        let codec = WireCodec(schema: .mall)
        guard
            case .batch(let json) = try codec.decode(try ProtocolVectors.load("valid/batch-two-entries.json").payload),
            case .batch(let bytes) = try codec.decode(try ProtocolVectors.load("valid/batch-entry-bytes.json").payload)
        else {
            Issue.record("not batches")
            return
        }
        #expect(!json.entriesAsBytes && bytes.entriesAsBytes)
        var asBytes = json
        asBytes.entriesAsBytes = true
        #expect(asBytes == bytes)
        #expect(try codec.decode(codec.encode(.batch(asBytes))) == .batch(bytes))
        guard
            case .resend(let request) = try codec.decode(
                try ProtocolVectors.load("valid/resend-entry-bytes.json").payload)
        else {
            Issue.record("not a resend request")
            return
        }
        #expect(request.entryEncoding == Change.bytesEncoding)
        guard
            case .birth(let birth) = try codec.decode(
                try ProtocolVectors.load("valid/birth-entry-bytes.json").payload)
        else {
            Issue.record("not a birth")
            return
        }
        #expect(birth.entryEncoding == Change.bytesEncoding)
    }

    @Test func vectorSetCoversEveryMessageTypeAndError() throws {
        #expect(ProtocolVectors.files.filter { $0.hasPrefix("valid/") }.count >= 11)
        #expect(ProtocolVectors.files.filter { $0.hasPrefix("invalid/") }.count >= 15)

        let vectors = try ProtocolVectors.files.map(ProtocolVectors.load)
        let types = Set(
            vectors.compactMap { vector -> String? in
                if case .decodes(let type) = vector.expectation { return type }
                return nil
            })
        #expect(
            types == [
                "birth", "death", "changes", "heartbeat", "resend", "snapshot-request", "ack", "batch", "snapshot",
                "control", "hub-status",
            ])
        let codes = Set(
            vectors.compactMap { vector -> String? in
                if case .fails(let code) = vector.expectation { return code }
                return nil
            })
        #expect(codes == ["malformed", "unsupported-version", "unknown-type", "invalid"])
    }

    @Test func payloadOverOneMebibyteIsTooLargeUnparsed() {
        // Given a payload one byte over the limit (not even JSON), when it is
        // decoded, then the size check refuses it before any parsing.
        let payload = [UInt8](repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
        do throws(WireError) {
            _ = try WireCodec(schema: .mall).decode(payload)
            Issue.record("a payload of 1 MiB + 1 bytes was decoded")
        } catch {
            #expect(error.code.rawValue == "too-large")
        }
    }

    @Test func payloadOfExactlyOneMebibyteIsParsed() throws {
        // The limit is inclusive: a valid message padded to exactly 1 MiB decodes.
        let message = Array(#"{"v":1,"type":"death","node":"gate-1","epoch":3}"#.utf8)
        let payload = message + [UInt8](repeating: UInt8(ascii: " "), count: (1 << 20) - message.count)
        #expect(payload.count == 1 << 20)
        #expect(try WireCodec(schema: .mall).decode(payload) == .death(Death(node: "gate-1", epoch: 3)))
    }
}

/// One vector file: a payload and what decoding it must give.
struct ProtocolVector {
    enum Expectation {
        case decodes(type: String)
        case fails(code: String)
    }

    var description: String
    var payload: [UInt8]
    var expectation: Expectation
}

enum ProtocolVectors {
    /// Vector files relative to `sync-protocol/vectors/`, such as `valid/birth-gate.json`.
    static let files: [String] = ["valid", "invalid"].flatMap { kind in
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/" + kind)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { "\(kind)/\($0)" }
    }

    static let directory: String = repositoryRoot() + "/sync-protocol/vectors"

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    static func load(_ file: String) throws -> ProtocolVector {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FormatError(description: "\(file) is not a JSON object")
        }
        let description = object["description"] as? String ?? ""

        let payload: [UInt8]
        if let value = object["payload"] {
            payload = Array(try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]))
        } else if let text = object["payloadText"] as? String {
            payload = Array(text.utf8)
        } else if let base64 = object["payloadBase64"] as? String, let bytes = Data(base64Encoded: base64) {
            payload = Array(bytes)
        } else {
            throw FormatError(description: "\(file) has no payload, payloadText or payloadBase64")
        }

        guard let expect = object["expect"] as? [String: Any], let ok = expect["ok"] as? Bool else {
            throw FormatError(description: "\(file) has no expect.ok")
        }
        let expectation: ProtocolVector.Expectation
        if ok, let type = expect["type"] as? String {
            expectation = .decodes(type: type)
        } else if !ok, let code = expect["code"] as? String {
            expectation = .fails(code: code)
        } else {
            throw FormatError(description: "\(file): expect needs type (ok) or code (not ok)")
        }
        return ProtocolVector(description: description, payload: payload, expectation: expectation)
    }

    /// The directory holding `Package.swift`, found upwards from this file.
    private static func repositoryRoot(from path: String = #filePath) -> String {
        var directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory.path
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: path).deletingLastPathComponent().path
    }
}

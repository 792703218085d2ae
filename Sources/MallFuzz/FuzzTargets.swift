import DeviceConfig
import EdgeRules
import Foundation
import SyncCore

/// The parsers that take bytes from outside, each as a function that must
/// return (with a value or a refusal) for any input: what `mall-fuzz`
/// runs under libFuzzer, and replays from files without it.
enum FuzzTarget: String, CaseIterable {
    /// A protocol message as it arrives on MQTT: decode and validate.
    case wire
    /// A scanned gift code: parse and verify against a small book.
    case gift
    /// A camera's plate read: normalise.
    case plate
    /// A node's and a hub's configuration file: load and validate.
    case config

    /// Runs the target on one input. Anything it throws is a refusal, the
    /// expected outcome; only a trap or a sanitizer report is a finding.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .wire:
            if let message = try? WireCodec().decode(bytes) {
                // A decoded message must encode and decode to itself.
                let again = try? WireCodec().decode(WireCodec().encode(message))
                precondition(again == message, "a decoded message does not survive a round trip")
            }
        case .gift:
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            _ = try? GiftVerifier().verify(
                text, counter: "c1", mall: "mall-sh", now: 1_795_400_000_000, book: Self.book)
        case .plate:
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            if let plate = try? PlateNormalizer.normalize(text) {
                // A normalised plate is a fixed point.
                precondition((try? PlateNormalizer.normalize(plate.text))?.text == plate.text, "normalise twice")
            }
        case .config:
            let path = Self.scratch.appendingPathComponent("config.toml").path
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return }
            _ = try? NodeSettings.load(path: path, environment: [:], checkingFiles: false)
            _ = try? HubSettings.load(path: path, checkingFiles: false)
        }
    }

    /// A counter's book with the documented test key as `m3`, `g3` and `k3`.
    static let book: GiftBook = {
        var book = GiftBook()
        let key = Array(repeating: UInt8(0), count: 32)
        for id in ["m3", "g3", "k3"] { book.setKey(.init(id: id, publicKey: key, validFrom: 0, validTo: .max)) }
        book.setIssued("gc-0123456789abcdef", true)
        return book
    }()

    /// A directory of this process's own for the files the config target writes.
    static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mall-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// The target named by `MALLEDGE_FUZZ` (libFuzzer runs one per process).
    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["MALLEDGE_FUZZ"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(
                Data("mall-fuzz: set MALLEDGE_FUZZ to one of \(allCases.map(\.rawValue))\n".utf8))
            exit(64)
        }
        return target
    }()
}

import Crypto
import DeviceConfig
import Foundation
import MallDomain
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
    /// The rules on rows a replica may hold (any Int64 in a booking window, a
    /// visit's time and guests, a use's time) with a request as the HTTP
    /// layer bounds it: gate decision, lounge check-in and sweep, scalper watch.
    case rules
    /// Any row a replica may hold, mapped into the decision books, and a
    /// decision of each kind on them.
    case views

    /// Runs the target on one input. Anything it throws is a refusal, the
    /// expected outcome; only a trap or a sanitizer report is a finding.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .wire:
            if let message = try? WireCodec(schema: .mall).decode(bytes) {
                // A decoded message must encode and decode to itself.
                let again = try? WireCodec(schema: .mall).decode(WireCodec(schema: .mall).encode(message))
                precondition(again == message, "a decoded message does not survive a round trip")
            }
        case .gift:
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            _ = try? GiftVerifier().verify(
                text, counter: "c1", mall: "mall-sh-01", now: 1_795_400_000_000, book: Self.book)
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
        case .rules:
            Self.runRules(FuzzBytes(bytes))
        case .views:
            Self.runViews(FuzzBytes(bytes))
        }
    }

    private static func runRules(_ input: FuzzBytes) {
        var input = input
        let statuses: [Reservation.Status] = [.booked, .inside, .left, .cancelled, .noShow]
        let reservation = Reservation(
            id: "r1", memberID: "m1", plate: "皖A12345", zone: "B2", windowStart: input.int64(),
            windowEnd: input.int64(), status: statuses[Int(input.byte()) % statuses.count])
        let read = PlateMatcher.Read(
            text: input.byte() % 2 == 0 ? "皖A12345" : input.text(), confidence: input.unit(),
            characterConfidences: input.byte() % 2 == 0 ? nil : (0..<7).map { _ in input.unit() },
            alternatives: input.byte() % 2 == 0
                ? [] : [.init(input.text(), likelihood: input.byte() % 2 == 0 ? nil : input.unit())])
        let direction: GateDecider.Direction = input.byte() % 2 == 0 ? .entering : .leaving
        _ = GateDecider().decide(read, direction, now: input.int64(), book: ReservationBook([reservation]))

        var lounge = LoungeBook()
        lounge.openVisit(
            .init(id: "v1", memberID: "m2", guests: Int(truncatingIfNeeded: input.int64()), checkedInAt: input.int64()))
        _ = lounge.overstayed(now: input.int64(), maxStayMillis: input.int64())
        let member = LoungeDesk.Member(
            id: "m1", name: "x", tier: "gold", guestsAllowed: Int(truncatingIfNeeded: input.int64()))
        _ = try? LoungeDesk().checkIn(member, guests: Int(input.byte() % 21), book: lounge, now: 0)

        var watch = ScalperWatch(
            configuration: .init(
                sites: ["a": .init(latitude: 31.2, longitude: 121.5), "b": .init(latitude: 39.9, longitude: 116.4)],
                windowMillis: 3_600_000))
        for index in 0..<3 {
            _ = watch.observe(
                .init(member: "m1", site: input.byte() % 2 == 0 ? "a" : "b", at: input.int64(), event: "e\(index)"))
        }
    }

    /// A counter of `mall-sh-01` holding the documented test key
    /// (GIFT-TOKENS.md) as `m3`, `g3` and `k3`, so the vectors verify and the
    /// fuzzer reaches the checks past the signature.
    static let book: GiftBook = {
        var book = GiftBook()
        for id in ["m3", "g3", "k3"] {
            book.setKey(.init(id: id, publicKey: testPublicKey, validFrom: 0, validTo: .max))
        }
        book.setIssued("gc-0123456789abcdef", true)
        return book
    }()

    /// The public half of the documented test key (seed bytes 0 to 31).
    static let testPublicKey: [UInt8] = {
        let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: (0..<32).map { UInt8($0) })
        return Array(key.publicKey.rawRepresentation)
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

/// Structured values read off a fuzzer's bytes, zero past their end.
struct FuzzBytes {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func byte() -> UInt8 {
        defer { offset += 1 }
        return offset < bytes.count ? bytes[offset] : 0
    }

    mutating func int64() -> Int64 {
        (0..<8).reduce(Int64(0)) { value, _ in value << 8 | Int64(byte()) }
    }

    /// A number from 0 to 1, as the HTTP layer admits confidences.
    mutating func unit() -> Double { Double(byte()) / 255 }

    /// Up to 12 bytes as text (invalid UTF-8 repaired: the HTTP layer takes strings).
    mutating func text() -> String {
        let count = Int(byte() % 13)
        return String(decoding: (0..<count).map { _ in byte() }, as: UTF8.self)
    }
}

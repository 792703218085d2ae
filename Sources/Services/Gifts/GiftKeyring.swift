import Crypto
import Foundation

/// The hub's Ed25519 signing keys for gift codes, one file per key
/// (`k<number>.key`, the raw private key in base64, mode 0600) in a
/// directory beside the hub store. Only the hub ever holds them; nodes get
/// the public halves through the replicated `gift_keys` table.
struct GiftKeyring {
    let directory: String
    private(set) var keys: [UInt32: Curve25519.Signing.PrivateKey] = [:]

    /// Loads every key in `directory`, creating the directory (0700) if needed.
    init(directory: String) throws(GiftKeyError) {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw GiftKeyError("cannot create \(directory)")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix("k") && name.hasSuffix(".key") {
            guard let number = UInt32(name.dropFirst().dropLast(4)) else { continue }
            guard let text = try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8),
                let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
                let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            else { throw GiftKeyError("\(directory)/\(name) does not hold an Ed25519 private key") }
            keys[number] = key
        }
    }

    /// The key new codes are signed with.
    var newest: (number: UInt32, key: Curve25519.Signing.PrivateKey)? {
        keys.max { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Creates key number newest+1 and writes it durably before returning it.
    mutating func create() throws(GiftKeyError) -> (number: UInt32, key: Curve25519.Signing.PrivateKey) {
        let (number, overflow) = (newest?.number ?? 0).addingReportingOverflow(1)
        guard !overflow else { throw GiftKeyError("key numbers are used up in \(directory): remove old key files") }
        let key = Curve25519.Signing.PrivateKey()
        let path = "\(directory)/k\(number).key"
        let text = key.rawRepresentation.base64EncodedString() + "\n"
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw GiftKeyError("cannot write \(path)") }
        let descriptor = open(path, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
        keys[number] = key
        return (number, key)
    }
}

/// The hub's gift keys cannot be read or written.
public struct GiftKeyError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

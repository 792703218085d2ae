import Crypto
import Foundation
import _CryptoExtras

/// Staff PINs as stored in the replicated `staff` table:
/// `pbkdf2-sha256$<rounds>$<salt base64>$<hash base64>`. A PIN has little
/// entropy: what stops guessing online is the lockout (`LoginThrottle`);
/// against guessing offline from a stolen node's disk, PINs have at least
/// `minimumDigits` digits (10^6 PBKDF2 runs, about a day of one core per
/// PIN, instead of 36 minutes for four digits).
public enum PINHash {
    /// The fewest digits a PIN may have. The hub refuses shorter ones when
    /// it sets a PIN; a node refuses a login with a shorter one even when it
    /// matches (a PIN set before the rule), so it must be set again.
    public static let minimumDigits = 6

    /// OWASP's minimum for PBKDF2-SHA256 (also what swift-crypto enforces).
    public static let defaultRounds = 210_000

    /// Verified against when the id is unknown, so a wrong id takes as long as a wrong PIN.
    public static let decoy =
        "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

    public static func make(pin: String, rounds: Int = defaultRounds) throws -> String {
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let hash = try derive(pin: pin, salt: salt, rounds: rounds)
        return "pbkdf2-sha256$\(rounds)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// Whether `pin` matches `encoded`; false for anything not in the format.
    public static func verify(pin: String, against encoded: String) -> Bool {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]),
            (1000...10_000_000).contains(rounds),
            let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
            expected.count == 32, let actual = try? derive(pin: pin, salt: salt, rounds: rounds)
        else { return false }
        return zip(actual, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func derive(pin: String, salt: some DataProtocol, rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(pin.utf8), salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }
}

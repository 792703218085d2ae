/// Why a message was refused. Carries names and sizes, never payload content,
/// so it is safe to log.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable, CaseIterable {
        case tooLarge = "too-large"
        case malformed
        case unsupportedVersion = "unsupported-version"
        case unknownType = "unknown-type"
        case invalid
        case forgedOrigin = "forged-origin"
        case unauthorized
        case epochReuse = "epoch-reuse"
        /// A change stamped too far ahead of the hub's clock, or below its
        /// origin's previous change (`StampBounds`).
        case clockOutOfBounds = "clock-out-of-bounds"
        /// A node sending more messages, or asking for more snapshots, than
        /// its allowance (`NodeAllowance`): refused, changes nothing.
        case rateLimited = "rate-limited"
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}

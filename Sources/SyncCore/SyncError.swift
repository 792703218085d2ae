/// Errors of the sync engine that a caller can act on.
public struct SyncError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// A local write the schema or the node's role does not allow.
        case invalidWrite = "invalid-write"
        /// The store failed; nothing was changed.
        case storage
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}

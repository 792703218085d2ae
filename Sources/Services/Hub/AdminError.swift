/// Why the hub refused an admin request; `description` says what to fix.
public struct AdminError: Error, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalid
        case notFound = "not-found"
        case unavailable
    }

    public var code: Code
    public var description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}

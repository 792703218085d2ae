/// A configuration file that cannot be used, said so that a technician can
/// fix it: which file, which key, what was expected and what was found.
/// Secrets are never echoed: a password's value is not part of the message.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// Dotted key path (`mqtt.port`), or nil for a problem with the whole file.
    public var key: String?
    public var problem: String

    public init(file: String, key: String?, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String {
        if let key { return "\(file): `\(key)`: \(problem)" }
        return "\(file): \(problem)"
    }
}

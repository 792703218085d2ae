public import SyncCore

/// One audit entry, as a node's `GET /v1/audit` lists it and as the hub's
/// audit trail keeps it.
public struct AuditEntry: Codable, Sendable, Hashable {
    /// The replicated table of audit entries.
    public static let table = "audit_log"

    public var key: String
    public var actor: String
    public var action: String
    public var target: String
    public var outcome: String
    public var node: String
    /// When it happened, by the clock of the process that wrote it.
    public var at: Int64

    public init(
        key: String, actor: String, action: String, target: String, outcome: String, node: String, at: Int64
    ) {
        self.key = key
        self.actor = actor
        self.action = action
        self.target = target
        self.outcome = outcome
        self.node = node
        self.at = at
    }
}

extension AuditEntry {
    /// The entry an `audit_log` row holds; `made` (the row's stamp) stands
    /// in for a missing `at`.
    public init(key: String, values: [String: Value], made: Int64 = 0) {
        func text(_ column: String) -> String { values[column]?.textValue ?? "" }
        self.init(
            key: key, actor: text("actor"), action: text("action"), target: text("target"),
            outcome: text("outcome"), node: text("node"), at: values["at"]?.intValue ?? made)
    }
}

/// A write a node makes to its own replica, before it becomes a change.
public struct LocalWrite: Hashable, Sendable {
    public var table: String
    public var key: String
    public var op: Change.Operation
    public var columns: [String: Value]
    /// Needed only for tables that travel on several channel kinds.
    public var channelKind: Channel.Kind?

    public init(
        table: String, key: String, op: Change.Operation, columns: [String: Value] = [:],
        channelKind: Channel.Kind? = nil
    ) {
        self.table = table
        self.key = key
        self.op = op
        self.columns = columns
        self.channelKind = channelKind
    }

    public static func insert(_ table: String, _ key: String, _ columns: [String: Value]) -> LocalWrite {
        LocalWrite(table: table, key: key, op: .insert, columns: columns)
    }

    public static func update(_ table: String, _ key: String, _ columns: [String: Value]) -> LocalWrite {
        LocalWrite(table: table, key: key, op: .update, columns: columns)
    }

    public static func delete(_ table: String, _ key: String) -> LocalWrite {
        LocalWrite(table: table, key: key, op: .delete)
    }
}

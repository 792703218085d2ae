extension SyncSchema {
    /// The version of the rules `violation(of:)` applies beyond the schema's
    /// tables (what a row key may be, how long a text): bump it whenever
    /// they change, so that a hub checks again what it logged before.
    static let changeRulesVersion = 1

    /// Names what `violation(of:)` accepts of a change under this schema,
    /// as a short hash: its rules, and every table's kind, channels and
    /// columns with their types and bounds.
    ///
    /// A hub checks every change it logs; its store records the log's seq
    /// after which every entry was checked under the id the hub runs with
    /// (`HubStore.logCheckedAfter`), and a resend answer of those entries
    /// goes out as the store holds them, undecoded. An entry logged under
    /// another id (an older version, another schema) is decoded and checked
    /// again before it is sent.
    public var changeCheckID: String {
        var bytes = CanonicalBytes()
        bytes.append(text: "rules \(Self.changeRulesVersion), text \(Self.maxTextBytes), time \(Self.timeRange)")
        // By the key `violation(of:)` looks a table up by.
        for (name, table) in tables.sorted(by: { $0.key < $1.key }) {
            let kinds = table.channelKinds.map(\.rawValue).sorted().joined(separator: ",")
            bytes.append(text: "\(name) \(table.kind) \(kinds)")
            for (name, type) in table.columns.sorted(by: { $0.key < $1.key }) {
                bytes.append(text: "\(name) \(type)")
            }
        }
        return String(Digest64.fullHex(of: bytes.bytes).prefix(32))
    }
}

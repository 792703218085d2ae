import Storage
public import SyncCore

/// What a planned hub write may read before it commits (see
/// `HubCoordinator.write(decision:planning:)`): the merged rows, on the
/// hub's actor, so nothing changes between the read and the write.
public struct HubRows {
    let store: SQLiteHubStore

    public func row(_ table: String, _ key: String) throws -> StoredRow? {
        try store.row(RowRef(table: table, key: key))
    }

    /// The visible rows of `table` in `mall`'s channels.
    public func visible(_ table: String, mall: String) throws -> [(key: String, values: [String: Value])] {
        try store.rows(ofTable: table).compactMap { row in
            row.channel.mall == mall && row.state.isVisible ? (row.ref.key, row.state.values) : nil
        }
    }
}

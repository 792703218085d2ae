import MallDomain
import SyncCore

/// A body of raw row writes: `{"decision", "writes": [{table, key, op, columns, channel}]}`,
/// at a node (`POST /v1/writes`) or at the hub with a mall (`POST /v1/admin/rows`).
struct WriteRequest: Decodable {
    struct Write: Decodable {
        var table: String
        var key: String
        var op: Change.Operation
        var columns: [String: Value]?
        var channel: Channel.Kind?

        enum CodingKeys: String, CodingKey, CaseIterable { case table, key, op, columns, channel }

        init(from decoder: any Decoder) throws {
            let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
            table = try container.decode(String.self, forKey: .table)
            key = try container.decode(String.self, forKey: .key)
            op = try container.decode(Change.Operation.self, forKey: .op)
            columns = try container.decodeIfPresent([String: Value].self, forKey: .columns)
            channel = try container.decodeIfPresent(Channel.Kind.self, forKey: .channel)
        }
    }

    var mall: String?
    var decision: String?
    var writes: [Write]

    var localWrites: [LocalWrite] {
        writes.map {
            LocalWrite(table: $0.table, key: $0.key, op: $0.op, columns: $0.columns ?? [:], channelKind: $0.channel)
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case mall, decision, writes }

    init(from decoder: any Decoder) throws {
        let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
        mall = try container.decodeIfPresent(String.self, forKey: .mall)
        decision = try container.decodeIfPresent(String.self, forKey: .decision)
        writes = try container.decode([Write].self, forKey: .writes)
        guard (1...1000).contains(writes.count) else { throw FieldError("writes", "1 to 1000 writes") }
    }
}

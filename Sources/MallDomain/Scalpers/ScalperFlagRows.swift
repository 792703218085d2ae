import Foundation
public import SyncCore

/// A scalper flag as a conflict ledger row (SPEC §11): kind
/// `scalper.too-fast` or `scalper.many-sites`, item the member, status
/// open, the uses that raised it as its sides. Mapped here only.
extension ScalperWatch.Flag {
    /// The ledger row recording this flag, keyed by the use that raised it,
    /// on that use's channel.
    public func ledgerEntry(raisedBy event: String, on channelKind: Channel.Kind, at now: Int64) -> LocalWrite {
        let sides = uses.map { ["event": $0.event, "site": $0.site, "at": String($0.at)] }
        let data = (try? JSONSerialization.data(withJSONObject: sides, options: [.sortedKeys])) ?? Data()
        return LocalWrite(
            table: ConflictLedger.tableName, key: "\(kind.rawValue):\(member):\(event)", op: .insert,
            columns: [
                "kind": .text(kind.rawValue), "item": .text(member), "rule": .text(rule),
                "sides": .text(String(decoding: data, as: UTF8.self)), "status": .text("open"),
                "detected_at": .int(now), "claims": .int(Int64(uses.count)),
            ], channelKind: channelKind)
    }
}

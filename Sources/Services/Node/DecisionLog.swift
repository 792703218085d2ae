import Foundation
public import Logging
public import SyncCore

/// One machine-readable line per acknowledged decision, written after the
/// commit and before the device is told, so that a harness can prove that
/// nothing acknowledged was lost or applied twice. The line is the message
/// `decision {json}`; the JSON names each change by id, table and key.
public enum DecisionLog {
    struct Line: Encodable {
        struct Item: Encodable {
            var id: String
            var table: String
            var key: String
            var op: String
        }

        var decision: String
        var changes: [Item]
    }

    public static func committed(_ changes: [Change], decision: String, by logger: Logger) {
        guard !changes.isEmpty else { return }
        let line = Line(
            decision: decision,
            changes: changes.map {
                .init(
                    id: $0.id.description, table: $0.table, key: $0.key, op: $0.op.rawValue)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(line)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        logger.notice("decision \(json)")
    }
}

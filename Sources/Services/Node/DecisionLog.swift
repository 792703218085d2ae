public import Logging
public import SyncCore

/// One machine-readable line per acknowledged decision, written after the
/// commit and before the device is told, so that a harness can prove that
/// nothing acknowledged was lost or applied twice. The line is the message
/// `decision {json}`; the JSON names each change by id, table and key.
public enum DecisionLog {
    public static func committed(_ changes: [Change], decision: String, by logger: Logger) {
        guard !changes.isEmpty, logger.logLevel <= .notice else { return }
        logger.notice("decision \(line(changes, decision: decision))")
    }

    /// `{"changes":[{"id":…,"key":…,"op":…,"table":…}…],"decision":…}`,
    /// keys sorted, written by hand: JSONEncoder took a fifth of a gate
    /// decision's CPU for this one line.
    static func line(_ changes: [Change], decision: String) -> String {
        var line = #"{"changes":["#
        for (index, change) in changes.enumerated() {
            if index > 0 { line += "," }
            line += #"{"id":"# + quoted(change.id.description) + #","key":"# + quoted(change.key)
            line += #","op":"# + quoted(change.op.rawValue) + #","table":"# + quoted(change.table) + "}"
        }
        return line + #"],"decision":"# + quoted(decision) + "}"
    }

    /// A JSON string (RFC 8259 §7): quote, backslash and control characters escaped.
    static func quoted(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}

import Foundation
import SyncCore
import Testing

@testable import Services

@Suite("The decision line")
struct DecisionLogTests {
    struct Line: Decodable, Equatable {
        struct Item: Decodable, Equatable {
            var id: String
            var key: String
            var op: String
            var table: String
        }

        var changes: [Item]
        var decision: String
    }

    @Test func anyKeyAndDecisionComeBackFromTheLineAsWritten() throws {
        // Given keys with every character JSON escapes, and others it must not.
        let keys = [
            "plain", "quote\" and \\ backslash", "tab\tnew\nline\r", "nul\u{0}bell\u{7}esc\u{1b}", "京A·12345 🚗 /",
        ]
        let changes = keys.enumerated().map { index, key in
            Change(
                id: ChangeID(origin: "gate-1", epoch: 2, seq: UInt64(index + 1)),
                hlc: HybridTimestamp(wallMillis: 1), table: "gate_passages", key: key,
                channel: Channel(mall: "m", kind: .parking), op: index % 2 == 0 ? .insert : .update, columns: [:])
        }
        // When the line is written and parsed as JSON.
        let text = DecisionLog.line(changes, decision: "gate.\"admit\"")
        let parsed = try JSONDecoder().decode(Line.self, from: Data(text.utf8))
        // Then it says exactly what was committed.
        #expect(parsed.decision == "gate.\"admit\"")
        #expect(
            parsed.changes
                == changes.map { .init(id: $0.id.description, key: $0.key, op: $0.op.rawValue, table: $0.table) })
        #expect(!text.contains("\n"), "one line per decision")
    }
}

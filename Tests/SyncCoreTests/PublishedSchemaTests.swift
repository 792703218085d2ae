import Foundation
import MallDomain
import SyncCore
import Testing

/// The JSON schemas published in `sync-protocol/schemas/` say what the
/// code's schema value says: the channel kinds, the roles, and for every
/// table its channels, its columns with their types and ranges, and
/// whether it is append-only. An implementation written from the spec
/// alone validates real messages with them, so a table or column the code
/// gained and the schemas lack makes every message carrying it "invalid".
///
/// When the schema value changes, regenerate the derived parts with
/// `UPDATE_PUBLISHED_SCHEMAS=1 swift test --filter PublishedSchemaTests`
/// and review the diff.
@Suite struct PublishedSchemaTests {
    static let common = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../sync-protocol/schemas/common.schema.json").standardized

    @Test func theDerivedDefinitionsMatchTheSchemaValue() throws {
        var document = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: Self.common)) as? [String: Any])
        var definitions = try #require(document["$defs"] as? [String: Any])
        let derived = Self.derived(from: .mall)
        if ProcessInfo.processInfo.environment["UPDATE_PUBLISHED_SCHEMAS"] == "1" {
            for (name, definition) in derived {
                var merged = definitions[name] as? [String: Any] ?? [:]
                for (key, value) in definition { merged[key] = value }
                definitions[name] = merged
            }
            document["$defs"] = definitions
            try (try Self.pretty(document) + "\n").write(to: Self.common, atomically: true, encoding: .utf8)
            return
        }
        for (name, definition) in derived.sorted(by: { $0.key < $1.key }) {
            let published = try #require(definitions[name] as? [String: Any], "\(name) is not published")
            for (key, value) in definition.sorted(by: { $0.key < $1.key }) {
                #expect(
                    try Self.canonical(published[key]) == (try Self.canonical(value)),
                    "$defs.\(name).\(key) differs from the schema value: run UPDATE_PUBLISHED_SCHEMAS=1 swift test --filter PublishedSchemaTests"
                )
            }
        }
    }

    static let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../sync-protocol/SPEC.md").standardized

    /// The rows of the SPEC's table whose header starts with `header`, as cells.
    static func specTable(_ header: String) throws -> [[String]] {
        let lines = try String(contentsOf: spec, encoding: .utf8).split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix(header) }, "no table \(header) in SPEC.md")
        return lines[(start + 2)...].prefix { $0.hasPrefix("|") }.map { line in
            // Empty cells count: "| a || c |" is three cells.
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// §3.2 lists every table with its kind, channel kinds, columns, types and ranges.
    @Test func theSpecsTableOfTablesSaysWhatTheSchemaValueSays() throws {
        let rows = try Self.specTable("| table | kind | channel kinds |")
        #expect(Set(rows.map { $0[0] }) == Set(SyncSchema.mall.tables.keys))
        for row in rows {
            let table = try #require(SyncSchema.mall.tables[row[0]])
            #expect(row[1] == (table.kind == .events ? "events" : "mutable"), "\(table.name)")
            let kinds = SyncSchema.mall.channelKinds.filter(table.channelKinds.contains).map(\.rawValue)
            #expect(row[2] == kinds.joined(separator: ", "), "\(table.name)")
            // "guests int 0..20 (per visit), status text (`open`)": remarks in parentheses aside.
            var depth = 0
            let plain = String(
                row[3].filter { character in
                    if character == "(" { depth += 1 }
                    defer { if character == ")" { depth -= 1 } }
                    return depth == 0 && character != ")"
                })
            var columns: [String: String] = [:]
            for entry in plain.components(separatedBy: ", ") {
                let words = entry.split(separator: " ").map(String.init)
                guard words.count >= 2 else { continue }
                columns[words[0]] = words.dropFirst().joined(separator: " ")
            }
            let expected = table.columns.mapValues { type -> String in
                switch type {
                case .text: "text"
                case .time: "time"
                case .int(let range): "int \(range.lowerBound)..\(range.upperBound)"
                }
            }
            #expect(columns == expected, "\(table.name)")
        }
    }

    /// §3.1 lists what each role replicates.
    @Test func theSpecsTableOfRolesListsTheirSubscriptions() throws {
        let rows = try Self.specTable("| role | replicates (subscriptions) |")
        let schema = SyncSchema.mall
        #expect(Set(rows.map { $0[0] }) == Set((schema.nodeRoles + [.hub]).map(\.rawValue)))
        for role in schema.nodeRoles {
            let row = try #require(rows.first { $0[0] == role.rawValue }, "\(role)")
            #expect(row[1] == Self.listed(schema.subscriptions[role]), "\(role)")
        }
    }

    /// `firmware-config/README.md` says, at `node.role`, which channels each
    /// role replicates: what an installer reads to size a device.
    @Test func theConfigReferenceListsEachRolesChannels() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../firmware-config/README.md").standardized
        let line = try #require(
            try String(contentsOf: readme, encoding: .utf8).split(separator: "\n").first {
                $0.hasPrefix("| `node.role` |")
            })
        let listed = try #require(line.split(separator: "(").last?.split(separator: ")").first)
        let documented = Dictionary(
            uniqueKeysWithValues: listed.split(separator: ";").compactMap { entry -> (String, String)? in
                let parts = entry.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { return nil }
                return (
                    parts[0].trimmingCharacters(in: .whitespaces), parts[1].trimmingCharacters(in: .whitespaces)
                )
            })
        let schema = SyncSchema.mall
        #expect(Set(documented.keys) == Set(schema.nodeRoles.map(\.rawValue)), "\(line)")
        for role in schema.nodeRoles {
            #expect(documented[role.rawValue] == Self.listed(schema.subscriptions[role]), "\(role)")
        }
    }

    /// Channel kinds as the documents list them: "parking, staff".
    static func listed(_ kinds: [Channel.Kind]?) -> String {
        (kinds ?? []).map(\.rawValue).joined(separator: ", ")
    }

    /// The parts of `common.schema.json` that follow from `schema`, by
    /// definition and key (descriptions and comments stay hand-written).
    static func derived(from schema: SyncSchema) -> [String: [String: Any]] {
        let tables = schema.tables.values.sorted { $0.name < $1.name }
        return [
            "channelKind": ["enum": schema.channelKinds.map(\.rawValue)],
            "channel": ["pattern": channelPattern(schema.channelKinds)],
            "role": ["enum": (schema.nodeRoles + [.hub]).map(\.rawValue)],
            "validChange": [
                "allOf": [
                    ["$ref": "#/$defs/change"],
                    [
                        "properties": [
                            "id": [
                                "properties": [
                                    "epoch": ["$ref": "#/$defs/positiveUint64"],
                                    "seq": ["$ref": "#/$defs/positiveUint64"],
                                ]
                            ],
                            "table": ["enum": tables.map(\.name)],
                            "key": ["$ref": "#/$defs/rowKey"],
                        ]
                    ],
                    [
                        "if": ["properties": ["op": ["const": "delete"]], "required": ["op"]],
                        "then": ["properties": ["columns": ["maxProperties": 0]]],
                    ],
                ] + tables.map { rule(for: $0, in: schema) }
            ],
        ]
    }

    /// What a change of one table must hold: one of its channel kinds, only
    /// its columns with their types, and only inserts for an append-only table.
    static func rule(for table: SyncSchema.Table, in schema: SyncSchema) -> [String: Any] {
        var properties: [String: Any] = [
            "channel": [
                "type": "string", "pattern": channelPattern(schema.channelKinds.filter(table.channelKinds.contains)),
            ],
            "columns": [
                "properties": table.columns.mapValues(columnSchema), "additionalProperties": false,
            ],
        ]
        if table.kind == .events { properties["op"] = ["const": "insert"] }
        return [
            "if": ["properties": ["table": ["const": table.name]], "required": ["table"]],
            "then": ["properties": properties],
        ]
    }

    static func columnSchema(_ type: SyncSchema.Table.ColumnType) -> [String: Any] {
        guard let range = type.range else { return ["$ref": "#/$defs/textValue"] }
        return [
            "oneOf": [
                ["type": "null"], ["type": "integer", "minimum": range.lowerBound, "maximum": range.upperBound],
            ]
        ]
    }

    static func channelPattern(_ kinds: [Channel.Kind]) -> String {
        "^[0-9A-Za-z._-]{1,64}/(\(kinds.map(\.rawValue).joined(separator: "|")))$"
    }

    /// `value` as JSON, two spaces per level and keys sorted, as the
    /// published files are laid out.
    static func pretty(_ value: Any, indent: String = "") throws -> String {
        let inner = indent + "  "
        if let object = value as? [String: Any] {
            guard !object.isEmpty else { return "{}" }
            let members = try object.sorted { $0.key < $1.key }.map {
                "\(inner)\(try canonical($0.key)): \(try pretty($0.value, indent: inner))"
            }
            return "{\n\(members.joined(separator: ",\n"))\n\(indent)}"
        }
        if let array = value as? [Any] {
            guard !array.isEmpty else { return "[]" }
            let items = try array.map { "\(inner)\(try pretty($0, indent: inner))" }
            return "[\n\(items.joined(separator: ",\n"))\n\(indent)]"
        }
        return try canonical(value)
    }

    /// One JSON text for equal values, whatever their key order.
    static func canonical(_ value: Any?) throws -> String {
        guard let value else { return "absent" }
        let data = try JSONSerialization.data(
            withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}

/// One import row that cannot be used: its number (1-based, as the operator
/// counts rows in the file), the field at fault if one is, and why.
public struct ImportRowError: Error, Hashable, Sendable, Codable {
    public var row: Int
    public var field: String?
    public var problem: String

    public init(row: Int, field: String?, problem: String) {
        self.row = row
        self.field = field
        self.problem = problem
    }
}

/// Every row of an import that cannot be used; with any, nothing is imported.
public struct ImportRefusal: Error, Hashable, Sendable {
    public var rows: [ImportRowError]

    public init(rows: [ImportRowError]) {
        self.rows = rows.sorted { $0.row < $1.row }
    }
}

/// The fields a row may carry beyond `allowed`, as a row error.
func unknownField(in row: [String: String], allowed: Set<String>, number: Int) -> ImportRowError? {
    Set(row.keys).subtracting(allowed).sorted().first.map {
        ImportRowError(row: number, field: $0, problem: "unknown field")
    }
}

/// The row's trimmed value for `field`, nil when absent or blank.
func text(_ row: [String: String], _ field: String) -> String? {
    row[field].map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
}

import Foundation
import GRDB
import SyncCore

/// A row's merge state in a `state` column: the compact bytes of SPEC §12.5
/// (`RowState.bytes`), as a BLOB.
enum StoredState {
    static func encode(_ state: RowState) -> Data { Data(state.bytes) }

    static func decode(_ data: Data) throws -> RowState {
        do {
            return try data.withUnsafeBytes { try RowState(bytes: $0) }
        } catch {
            throw StorageError(.corrupt, "stored merge state does not decode: \(error)")
        }
    }

    /// Rewrites `table`'s `state` column from the JSON text it held before
    /// §12.5 to bytes. A STRICT table cannot change a column's type, so the
    /// table is built again under its own name from `definition` (its
    /// columns, `state BLOB NOT NULL` among them), every row copied with its
    /// state converted, and its `indexes` made again. Run once, as a
    /// migration, whose cost is decoding each row's JSON once.
    static func convertFromJSON(
        _ db: Database, table: String, columns: [String], definition: String, indexes: [String]
    ) throws {
        guard let stateIndex = columns.firstIndex(of: "state") else {
            throw StorageError(.corrupt, "\(table) is converted without its state column")
        }
        try db.execute(sql: "CREATE TABLE \(table)_converted (\(definition)) STRICT")
        let list = columns.joined(separator: ", ")
        let insert = try db.makeStatement(
            sql: "INSERT INTO \(table)_converted (\(list)) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        )
        let rows = try Row.fetchCursor(db, sql: "SELECT \(list) FROM \(table)")
        while let row = try rows.next() {
            var values = (0..<columns.count).map { row[$0] as DatabaseValue }
            let json: String = row[stateIndex]
            values[stateIndex] = encode(try StoredJSON.decode(RowState.self, json)).databaseValue
            try insert.execute(arguments: StatementArguments(values))
        }
        try db.execute(sql: "DROP TABLE \(table)")
        try db.execute(sql: "ALTER TABLE \(table)_converted RENAME TO \(table)")
        for index in indexes { try db.execute(sql: index) }
    }
}

extension RowState {
    /// The non-null values of `columns`, whatever the row's visibility.
    func values(of columns: [String]) -> [String: Value] {
        var values: [String: Value] = [:]
        for column in columns {
            if let value = cells[column]?.value, value != .null { values[column] = value }
        }
        return values
    }
}

import Foundation
import GRDB
import SyncCore

/// A row's merge state in a `state` column: the compact bytes of SPEC §12.5
/// (`RowState.bytes`), as a BLOB.
enum StoredState {
    static func encode(_ state: RowState) -> Data { Data(state.bytes) }

    static func decode(_ data: Data) throws -> RowState {
        try data.withUnsafeBytes { try decode($0) }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> RowState {
        do {
            return try RowState(bytes: bytes)
        } catch {
            throw StorageError(.corrupt, "stored merge state does not decode: \(error)")
        }
    }

    /// A snapshot row that keeps the stored bytes of its state, to be sent
    /// or staged as they are.
    static func snapshotRow(
        table: String, key: String, seq: UInt64, state bytes: UnsafeRawBufferPointer
    ) throws -> SnapshotRow {
        do {
            return try SnapshotRow(table: table, key: key, seq: seq, stateBytes: [UInt8](bytes))
        } catch {
            throw StorageError(.corrupt, "stored merge state does not decode: \(error)")
        }
    }

    /// Rewrites `table`'s `state` column from the JSON text it held before
    /// §12.5 to bytes (`StoredJSON.convertColumn`).
    static func convertFromJSON(
        _ db: Database, table: String, columns: [String], definition: String, indexes: [String]
    ) throws {
        try StoredJSON.convertColumn(
            db, table: table, column: "state", columns: columns, definition: definition, indexes: indexes
        ) { encode(try StoredJSON.decode(RowState.self, $0)).databaseValue }
    }
}

/// A change in a `change` column (the node's outbox and the changes it
/// keeps after their ack): a version byte, 1, then the change's compact
/// bytes (SPEC §12.5), as a BLOB. JSON cost a third of a decision's commit.
enum StoredChange {
    static let version: UInt8 = 1

    static func encode(_ change: Change) -> Data {
        var writer = CompactBytes.Writer(capacity: 256)
        writer.byte(version)
        writer.change(change)
        return Data(writer.bytes)
    }

    static func decode(_ data: Data) throws -> Change {
        try data.withUnsafeBytes { try decode($0) }
    }

    static func decode(_ buffer: UnsafeRawBufferPointer) throws -> Change {
        do {
            return try CompactBytes.read(buffer) { reader throws(CompactBytes.Malformed) in
                let version = try reader.byte()
                guard version == Self.version else { throw reader.malformed("stored change version \(version)") }
                return try reader.change()
            }
        } catch {
            throw StorageError(.corrupt, "stored change does not decode: \(error)")
        }
    }

    /// A logged entry whose change keeps its stored compact bytes (all but
    /// the version byte), which a resend answer sends as they are.
    static func entry(seq: UInt64, stored buffer: UnsafeRawBufferPointer) throws -> LogEntry {
        let change = try decode(buffer)
        return LogEntry(seq: seq, change: change, changeBytes: [UInt8](buffer.dropFirst()))
    }

    /// Rewrites `table`'s `change` column from JSON text to bytes.
    static func convertFromJSON(
        _ db: Database, table: String, columns: [String], definition: String, indexes: [String]
    ) throws {
        try StoredJSON.convertColumn(
            db, table: table, column: "change", columns: columns, definition: definition, indexes: indexes
        ) { encode(try StoredJSON.decode(Change.self, $0)).databaseValue }
    }
}

extension StoredJSON {
    /// Rewrites `column` of `table` from the JSON text it held to what
    /// `convert` makes of it. A STRICT table cannot change a column's type,
    /// so the table is built again under its own name from `definition`
    /// (its columns, the new type of `column` among them), every row copied
    /// with that column converted (a NULL stays NULL), and its `indexes`
    /// made again. Run once, as a migration, whose cost is decoding each
    /// row's JSON once.
    static func convertColumn(
        _ db: Database, table: String, column: String, columns: [String], definition: String, indexes: [String],
        convert: (String) throws -> DatabaseValue
    ) throws {
        guard let converted = columns.firstIndex(of: column) else {
            throw StorageError(.corrupt, "\(table) is converted without its \(column) column")
        }
        try db.execute(sql: "CREATE TABLE \(table)_converted (\(definition)) STRICT")
        let list = columns.joined(separator: ", ")
        let insert = try db.makeStatement(
            sql: "INSERT INTO \(table)_converted (\(list)) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        )
        let rows = try Row.fetchCursor(db, sql: "SELECT \(list) FROM \(table)")
        while let row = try rows.next() {
            var values = (0..<columns.count).map { row[$0] as DatabaseValue }
            if !values[converted].isNull { values[converted] = try convert(row[converted]) }
            try insert.execute(arguments: StatementArguments(values))
        }
        try db.execute(sql: "DROP TABLE \(table)")
        try db.execute(sql: "ALTER TABLE \(table)_converted RENAME TO \(table)")
        for index in indexes { try db.execute(sql: index) }
    }
}

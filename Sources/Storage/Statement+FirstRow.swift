import GRDB
import GRDBSQLite

extension Statement {
    /// The first row of this query, read by `read` straight from SQLite's
    /// statement, or nil if there is none.
    ///
    /// Why not `Row.fetchOne`: it builds a dictionary of the result's column
    /// names on every call (GRDB's statement row) and copies each value into
    /// the row it returns; a catch-up looks up every incoming row, and that
    /// was a tenth of its time. `read` gets the columns by index (such as
    /// `Int64(sqliteStatement:index:)`) and must not keep the statement.
    func firstRow<T>(arguments: StatementArguments, _ read: (SQLiteStatement) throws -> T) throws -> T? {
        try setArguments(arguments)
        defer { sqlite3_reset(sqliteStatement) }
        switch sqlite3_step(sqliteStatement) {
        case SQLITE_ROW: return try read(sqliteStatement)
        case SQLITE_DONE: return nil
        case let code: throw stepFailure(code)
        }
    }

    /// Every row of this query, read by `read` as in `firstRow`.
    func forEachRow(arguments: StatementArguments = [], _ read: (SQLiteStatement) throws -> Void) throws {
        try setArguments(arguments)
        defer { sqlite3_reset(sqliteStatement) }
        while true {
            switch sqlite3_step(sqliteStatement) {
            case SQLITE_ROW: try read(sqliteStatement)
            case SQLITE_DONE: return
            case let code: throw stepFailure(code)
            }
        }
    }

    private func stepFailure(_ code: CInt) -> DatabaseError {
        let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(sqliteStatement)))
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }
}

/// A column of the current row of a stepped statement as bytes, without
/// copying them: valid until the statement steps or resets.
func columnBytes(_ statement: SQLiteStatement, _ index: CInt) -> UnsafeRawBufferPointer {
    guard let bytes = sqlite3_column_blob(statement, index) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    return UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, index)))
}

/// A column of the current row of a stepped statement as text, nil for NULL.
func columnText(_ statement: SQLiteStatement, _ index: CInt) -> String? {
    sqlite3_column_type(statement, index) == SQLITE_NULL ? nil : String(sqliteStatement: statement, index: index)
}

/// A column of the current row of a stepped statement as an integer, nil for NULL.
func columnInteger(_ statement: SQLiteStatement, _ index: CInt) -> Int64? {
    sqlite3_column_type(statement, index) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, index)
}

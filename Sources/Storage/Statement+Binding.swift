import GRDB
import GRDBSQLite

extension Statement {
    /// Runs this statement (one that returns no rows) with its parameters
    /// bound by `bind` straight through SQLite's C API, in order.
    ///
    /// Why not `execute(arguments:)`: GRDB boxes each argument of the array
    /// literal as an existential and converts it to a `DatabaseValue` before
    /// binding it, which was a third of the replica's row write, the
    /// statement a catch-up runs once per row and a decision three times.
    func execute(binding bind: (inout ParameterBinder) -> Void) throws {
        sqlite3_reset(sqliteStatement)
        var binder = ParameterBinder(statement: sqliteStatement)
        bind(&binder)
        defer {
            sqlite3_reset(sqliteStatement)
            sqlite3_clear_bindings(sqliteStatement)
        }
        if let (parameter, code) = binder.failure {
            throw failure(code, "parameter \(parameter): " + String(cString: sqlite3_errstr(code)))
        }
        // A parameter left out would be NULL without a word: GRDB checks the count, so do we.
        let expected = sqlite3_bind_parameter_count(sqliteStatement)
        guard binder.bound == expected else {
            throw failure(SQLITE_MISUSE, "\(binder.bound) parameters bound, the statement has \(expected)")
        }
        let code = sqlite3_step(sqliteStatement)
        guard code == SQLITE_DONE else {
            throw failure(code, String(cString: sqlite3_errmsg(sqlite3_db_handle(sqliteStatement))))
        }
    }

    private func failure(_ code: CInt, _ message: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }
}

/// Binds a statement's parameters one after the other, from the first;
/// the first failure (the parameter's number and SQLite's code) is kept for
/// `execute(binding:)` to throw.
struct ParameterBinder {
    private let statement: SQLiteStatement
    private(set) var bound: CInt = 0
    private(set) var failure: (parameter: CInt, code: CInt)?

    /// SQLite copies what it is given (`SQLITE_TRANSIENT`): the caller's
    /// buffers need not outlive the call.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    init(statement: SQLiteStatement) { self.statement = statement }

    mutating func int(_ value: Int64?) {
        guard let value else { return null() }
        next(sqlite3_bind_int64(statement, bound + 1, value))
    }

    mutating func bool(_ value: Bool) { int(value ? 1 : 0) }

    mutating func text(_ value: String?) {
        guard var value else { return null() }
        let code = value.withUTF8 { utf8 in
            guard let count = CInt(exactly: utf8.count) else { return SQLITE_TOOBIG }
            // An empty buffer may have no address, which SQLite takes for NULL.
            return utf8.isEmpty
                ? sqlite3_bind_text(statement, bound + 1, "", 0, Self.transient)
                : sqlite3_bind_text(statement, bound + 1, utf8.baseAddress, count, Self.transient)
        }
        next(code)
    }

    mutating func blob(_ value: [UInt8]) {
        let code = value.withUnsafeBytes { bytes in
            guard let count = CInt(exactly: bytes.count) else { return SQLITE_TOOBIG }
            guard let address = bytes.baseAddress, count > 0 else {
                return sqlite3_bind_zeroblob(statement, bound + 1, 0)
            }
            return sqlite3_bind_blob(statement, bound + 1, address, count, Self.transient)
        }
        next(code)
    }

    mutating func null() { next(sqlite3_bind_null(statement, bound + 1)) }

    private mutating func next(_ code: CInt) {
        bound += 1
        if code != SQLITE_OK, failure == nil { failure = (bound, code) }
    }
}

import GRDB

/// What went wrong in a store, in words fit for an HTTP answer and a log
/// line, so that an operator reading "the disk is full" knows what to do.
public enum StorageFailure {
    public static func cause(of error: any Error) -> String {
        guard let error = error as? DatabaseError else {
            if let error = error as? StorageError { return error.description }
            return "\(type(of: error))"
        }
        switch error.resultCode {
        case .SQLITE_FULL: return "the disk is full"
        case .SQLITE_READONLY: return "the file system is read-only"
        case .SQLITE_IOERR: return "an I/O error (the disk or its file system failed)"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return "the database file is damaged"
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "the database is busy"
        case .SQLITE_CANTOPEN: return "the database file cannot be opened"
        case .SQLITE_NOMEM: return "out of memory"
        default: return "SQLite error \(error.extendedResultCode.rawValue)"
        }
    }
}

/// A count, position or stamp the store wrote as SQLite's signed integer,
/// read back as the unsigned value it stands for. A negative one (a damaged
/// or hand-edited file) is a `corrupt` error naming what it is: the process
/// says which store is broken instead of trapping on its own data.
func stored(_ value: Int64, _ what: @autoclosure () -> String) throws -> UInt64 {
    guard value >= 0 else { throw StorageError(.corrupt, "\(what()) is \(value), below 0") }
    return UInt64(value)
}

/// A clock counter as stored: at most `UInt32.max`.
func storedCounter(_ value: some BinaryInteger, _ what: @autoclosure () -> String) throws -> UInt32 {
    guard let counter = UInt32(exactly: value) else {
        throw StorageError(.corrupt, "\(what()) is \(value), not a clock counter")
    }
    return counter
}

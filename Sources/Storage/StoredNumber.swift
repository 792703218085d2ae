import SyncCore

/// A count, position or stamp the store wrote as SQLite's signed integer,
/// read back as the unsigned value it stands for. Every one is a protocol
/// number, at most `WireMessage.maxInteger` (2^53 - 1), so the process may
/// add to it; one outside (a damaged or hand-edited file) is a `corrupt`
/// error naming what it is: the process says which store is broken instead
/// of trapping on its own data.
func stored(_ value: Int64, _ what: @autoclosure () -> String) throws -> UInt64 {
    guard value >= 0, UInt64(value) <= WireMessage.maxInteger else {
        throw StorageError(.corrupt, "\(what()) is \(value), not within 0...2^53 - 1")
    }
    return UInt64(value)
}

/// `value` as SQLite's signed integer, if `stored` will read it back: a
/// number beyond 2^53 - 1 is refused before it is written (`corrupt`, as the
/// read would), so that no commit leaves a store its next start refuses.
func storable(_ value: UInt64, _ what: @autoclosure () -> String) throws -> Int64 {
    guard value <= WireMessage.maxInteger else {
        throw StorageError(.corrupt, "\(what()) would be \(value), beyond 2^53 - 1")
    }
    return Int64(value)
}

/// The epoch a start takes after the stored `last`: one more, itself a
/// protocol number. A store at the last one (a damaged or edited file) is
/// refused at start, not left to stamp changes every receiver refuses.
func nextEpoch(after last: UInt64, _ what: @autoclosure () -> String) throws -> UInt64 {
    guard last < WireMessage.maxInteger else {
        throw StorageError(.corrupt, "\(what()) is \(last): no epoch is left after it")
    }
    return last + 1
}

/// A clock counter as stored: at most `UInt32.max`.
func storedCounter(_ value: some BinaryInteger, _ what: @autoclosure () -> String) throws -> UInt32 {
    guard let counter = UInt32(exactly: value) else {
        throw StorageError(.corrupt, "\(what()) is \(value), not a clock counter")
    }
    return counter
}

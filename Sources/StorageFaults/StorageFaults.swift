import CSQLiteFaults

/// Storage faults for tests, played by a SQLite VFS shim (`CSQLiteFaults`)
/// under every connection this process opens after `install()`: the writes
/// of chosen files fail as they would on a full disk, a read-only file
/// system or a failing device, until cleared. Real SQLite, real errors, no
/// mock of the store.
public enum StorageFaults {
    public enum Kind: Sendable, CaseIterable, CustomStringConvertible {
        case diskFull, readOnly, ioError
        /// Writes succeed and every sync fails (`EIO` from `fsync`): what is
        /// on the disk is no longer known.
        case syncError

        public var description: String {
            switch self {
            case .diskFull: "a full disk"
            case .readOnly: "a read-only file system"
            case .ioError: "an I/O error"
            case .syncError: "a failing sync"
            }
        }
    }

    public struct InstallFailure: Error, CustomStringConvertible {
        public var code: Int32
        public var description: String { "the SQLite fault shim could not be registered (code \(code))" }
    }

    /// Puts the shim under every database opened from now on (once).
    public static func install() throws {
        let code = malledge_faults_install()
        guard code == 0 else { throw InstallFailure(code: code) }
    }

    /// Fails the writes and syncs of every file whose path contains `path`
    /// (only the syncs, for `syncError`).
    public static func inject(_ kind: Kind, intoFilesContaining path: String) {
        let code: Int32 =
            switch kind {
            case .diskFull: Int32(MALLEDGE_FAULT_DISK_FULL)
            case .readOnly: Int32(MALLEDGE_FAULT_READ_ONLY)
            case .ioError: Int32(MALLEDGE_FAULT_IO_ERROR)
            case .syncError: Int32(MALLEDGE_FAULT_SYNC_ERROR)
            }
        malledge_faults_arm(code, path)
    }

    /// The cause goes away: writes succeed again.
    public static func clear() { malledge_faults_arm(Int32(MALLEDGE_FAULT_NONE), nil) }

    /// How many calls the armed fault failed, so a test knows it bit.
    public static var failedCalls: Int { malledge_faults_failed_calls() }

    /// Arms a power cut for every file whose path contains `path`: at its
    /// `cutAfter`-th write or sync, the writes not yet synced are undone
    /// (torn by sector with `tear`), and every later write or sync fails.
    public static func cutPower(ofFilesContaining path: String, after cutAfter: Int, seed: UInt32, tear: Bool) {
        malledge_power_arm(path, cutAfter, seed, tear ? 1 : 0)
    }

    /// Whether the armed power cut happened.
    public static var powerWasCut: Bool { malledge_power_was_cut() != 0 }

    /// Power back on; the shim stops tracking unsynced writes.
    public static func restorePower() { malledge_power_restore() }
}

#ifndef MALLEDGE_SQLITE_FAULTS_H
#define MALLEDGE_SQLITE_FAULTS_H

/// A SQLite VFS shim for tests (in the manner of SQLite's own crash tests):
/// it forwards every call to the default VFS, and, while a fault is armed,
/// fails the writes, syncs and truncations of the files whose path contains
/// a given text with the result code a real fault would give: a full disk
/// (SQLITE_FULL), a read-only file system (SQLITE_READONLY) or an I/O error
/// (SQLITE_IOERR_WRITE); or only their syncs (SQLITE_IOERR_FSYNC), as a
/// device does that takes writes into its cache and then cannot flush them.
/// Reads are never failed, so a process keeps answering what it can.

/// Registers the shim as the default VFS (once; later calls do nothing).
/// Connections opened afterwards go through it. Returns a SQLite result code.
int malledge_faults_install(void);

/// The faults the shim can play.
enum {
    MALLEDGE_FAULT_NONE = 0,
    MALLEDGE_FAULT_DISK_FULL = 1,
    MALLEDGE_FAULT_READ_ONLY = 2,
    MALLEDGE_FAULT_IO_ERROR = 3,
    MALLEDGE_FAULT_SYNC_ERROR = 4,
};

/// Arms fault `kind` for files whose path contains `path_fragment` (at most
/// 511 bytes), or disarms with MALLEDGE_FAULT_NONE.
void malledge_faults_arm(int kind, const char *path_fragment);

/// How many calls the armed fault has failed since it was armed.
long malledge_faults_failed_calls(void);

/// Power loss, in the manner of SQLite's crash tests: for files whose path
/// contains `path_fragment`, the shim remembers what each write replaced
/// until the file is synced. At the `cut_after`-th write or sync of such a
/// file the power goes: every write not yet synced is undone (with `tear`,
/// only some of its 512-byte sectors, chosen by `seed`, as a torn write
/// leaves them), the call fails, and so does every later write or sync of
/// those files, until `malledge_power_restore`.
void malledge_power_arm(const char *path_fragment, long cut_after, unsigned int seed, int tear);

/// Whether the power went since it was armed.
int malledge_power_was_cut(void);

/// Power back: the shim forgets the cut and stops tracking.
void malledge_power_restore(void);

#endif

#ifndef MALLEDGE_SQLITE_FAULTS_H
#define MALLEDGE_SQLITE_FAULTS_H

/// A SQLite VFS shim for tests (in the manner of SQLite's own crash tests):
/// it forwards every call to the default VFS, and, while a fault is armed,
/// fails the writes, syncs and truncations of the files whose path contains
/// a given text with the result code a real fault would give: a full disk
/// (SQLITE_FULL), a read-only file system (SQLITE_READONLY) or an I/O error
/// (SQLITE_IOERR_WRITE). Reads are never failed, so a process keeps
/// answering what it can.

/// Registers the shim as the default VFS (once; later calls do nothing).
/// Connections opened afterwards go through it. Returns a SQLite result code.
int malledge_faults_install(void);

/// The faults the shim can play.
enum {
    MALLEDGE_FAULT_NONE = 0,
    MALLEDGE_FAULT_DISK_FULL = 1,
    MALLEDGE_FAULT_READ_ONLY = 2,
    MALLEDGE_FAULT_IO_ERROR = 3,
};

/// Arms fault `kind` for files whose path contains `path_fragment` (at most
/// 511 bytes), or disarms with MALLEDGE_FAULT_NONE.
void malledge_faults_arm(int kind, const char *path_fragment);

/// How many calls the armed fault has failed since it was armed.
long malledge_faults_failed_calls(void);

#endif

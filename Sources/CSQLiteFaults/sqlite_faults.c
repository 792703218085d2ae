#include "sqlite_faults.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>

typedef struct {
    sqlite3_file base;
    sqlite3_file *real;
    char path[512];
} FaultFile;

static sqlite3_vfs fault_vfs;
static sqlite3_vfs *real_vfs;
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static int fault_code;
static char fault_fragment[512];
static atomic_long failed_calls;

/// The armed fault's code for this file, or SQLITE_OK.
static int fault_for(FaultFile *file) {
    pthread_mutex_lock(&fault_lock);
    int code = (fault_code != 0 && strstr(file->path, fault_fragment) != NULL) ? fault_code : SQLITE_OK;
    pthread_mutex_unlock(&fault_lock);
    if (code != SQLITE_OK) atomic_fetch_add(&failed_calls, 1);
    return code;
}

#define REAL(f) (((FaultFile *)(f))->real)

static int f_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int f_read(sqlite3_file *f, void *buffer, int amount, sqlite3_int64 offset) {
    return REAL(f)->pMethods->xRead(REAL(f), buffer, amount, offset);
}
static int f_write(sqlite3_file *f, const void *buffer, int amount, sqlite3_int64 offset) {
    int code = fault_for((FaultFile *)f);
    return code != SQLITE_OK ? code : REAL(f)->pMethods->xWrite(REAL(f), buffer, amount, offset);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size) {
    int code = fault_for((FaultFile *)f);
    return code != SQLITE_OK ? code : REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int f_sync(sqlite3_file *f, int flags) {
    int code = fault_for((FaultFile *)f);
    // A full disk or a read-only file system fails the write before; a sync
    // fails as an I/O error.
    return code != SQLITE_OK ? SQLITE_IOERR_FSYNC : REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_file_size(sqlite3_file *f, sqlite3_int64 *size) {
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int f_lock(sqlite3_file *f, int level) { return REAL(f)->pMethods->xLock(REAL(f), level); }
static int f_unlock(sqlite3_file *f, int level) { return REAL(f)->pMethods->xUnlock(REAL(f), level); }
static int f_check_reserved(sqlite3_file *f, int *out) {
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int f_file_control(sqlite3_file *f, int op, void *arg) {
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int f_sector_size(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int f_device_characteristics(sqlite3_file *f) {
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int f_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **out) {
    return REAL(f)->pMethods->xShmMap(REAL(f), page, size, extend, out);
}
static int f_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}
static void f_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int f_shm_unmap(sqlite3_file *f, int delete_flag) {
    return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}
static int f_fetch(sqlite3_file *f, sqlite3_int64 offset, int amount, void **out) {
    return REAL(f)->pMethods->xFetch(REAL(f), offset, amount, out);
}
static int f_unfetch(sqlite3_file *f, sqlite3_int64 offset, void *page) {
    return REAL(f)->pMethods->xUnfetch(REAL(f), offset, page);
}

static const sqlite3_io_methods fault_methods = {
    3, f_close, f_read, f_write, f_truncate, f_sync, f_file_size, f_lock, f_unlock, f_check_reserved,
    f_file_control, f_sector_size, f_device_characteristics, f_shm_map, f_shm_lock, f_shm_barrier,
    f_shm_unmap, f_fetch, f_unfetch,
};

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags) {
    (void)vfs;
    FaultFile *fault = (FaultFile *)file;
    fault->real = (sqlite3_file *)(fault + 1);
    fault->path[0] = 0;
    if (name != NULL) {
        strncpy(fault->path, name, sizeof(fault->path) - 1);
        fault->path[sizeof(fault->path) - 1] = 0;
    }
    int code = real_vfs->xOpen(real_vfs, name, fault->real, flags, out_flags);
    // SQLite calls xClose only on a file whose pMethods is set.
    fault->base.pMethods = (code == SQLITE_OK && fault->real->pMethods != NULL) ? &fault_methods : NULL;
    return code;
}

int malledge_faults_install(void) {
    pthread_mutex_lock(&fault_lock);
    int code = SQLITE_OK;
    if (real_vfs == NULL) {
        sqlite3_vfs *found = sqlite3_vfs_find(NULL);
        if (found == NULL || found->iVersion < 1) {
            code = SQLITE_ERROR;
        } else {
            real_vfs = found;
            fault_vfs = *found;
            fault_vfs.zName = "malledge-faults";
            fault_vfs.szOsFile = (int)sizeof(FaultFile) + found->szOsFile;
            fault_vfs.xOpen = f_open;
            fault_vfs.pNext = NULL;
            code = sqlite3_vfs_register(&fault_vfs, 1);
            if (code != SQLITE_OK) real_vfs = NULL;
        }
    }
    pthread_mutex_unlock(&fault_lock);
    return code;
}

void malledge_faults_arm(int kind, const char *path_fragment) {
    pthread_mutex_lock(&fault_lock);
    switch (kind) {
    case MALLEDGE_FAULT_DISK_FULL: fault_code = SQLITE_FULL; break;
    case MALLEDGE_FAULT_READ_ONLY: fault_code = SQLITE_READONLY; break;
    case MALLEDGE_FAULT_IO_ERROR: fault_code = SQLITE_IOERR_WRITE; break;
    default: fault_code = SQLITE_OK; break;
    }
    fault_fragment[0] = 0;
    if (path_fragment != NULL) {
        strncpy(fault_fragment, path_fragment, sizeof(fault_fragment) - 1);
        fault_fragment[sizeof(fault_fragment) - 1] = 0;
    }
    atomic_store(&failed_calls, 0);
    pthread_mutex_unlock(&fault_lock);
}

long malledge_faults_failed_calls(void) { return atomic_load(&failed_calls); }

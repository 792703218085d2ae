#include "sqlite_faults.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>

/// What one unsynced write replaced.
typedef struct PreImage {
    struct PreImage *next;
    sqlite3_int64 offset;
    int amount;
    unsigned char bytes[];
} PreImage;

typedef struct FaultFile {
    sqlite3_file base;
    sqlite3_file *real;
    char path[512];
    /// Open files, for the power cut.
    struct FaultFile *next_open;
    struct FaultFile *previous_open;
    /// Unsynced writes, newest first, and the size at the last sync (-1: not known yet).
    PreImage *unsynced;
    sqlite3_int64 synced_size;
} FaultFile;

static sqlite3_vfs fault_vfs;
static sqlite3_vfs *real_vfs;
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static int fault_code;
/// Whether the armed fault fails syncs alone.
static int fault_syncs_only;
static char fault_fragment[512];
static atomic_long failed_calls;

static FaultFile *open_files;
static int power_armed;
static char power_fragment[512];
static long power_calls_left;
static unsigned int power_seed;
static int power_tear;
static int power_cut;

static unsigned int next_random(void) {
    power_seed = power_seed * 1103515245u + 12345u;
    return (power_seed >> 16) & 0x7fff;
}

static int power_tracks(FaultFile *file) {
    return power_armed && power_fragment[0] != 0 && strstr(file->path, power_fragment) != NULL;
}

static void forget_unsynced(FaultFile *file) {
    while (file->unsynced != NULL) {
        PreImage *image = file->unsynced;
        file->unsynced = image->next;
        sqlite3_free(image);
    }
}

/// The power goes: every tracked file loses (or, torn, partly loses) what
/// was written since its last sync. Called with fault_lock held.
static void cut_power(void) {
    power_cut = 1;
    for (FaultFile *file = open_files; file != NULL; file = file->next_open) {
        if (!power_tracks(file)) continue;
        for (PreImage *image = file->unsynced; image != NULL; image = image->next) {
            if (!power_tear) {
                file->real->pMethods->xWrite(file->real, image->bytes, image->amount, image->offset);
                continue;
            }
            for (int sector = 0; sector < image->amount; sector += 512) {
                int length = image->amount - sector < 512 ? image->amount - sector : 512;
                if (next_random() % 2 == 0) {
                    file->real->pMethods->xWrite(file->real, image->bytes + sector, length, image->offset + sector);
                }
            }
        }
        if (file->synced_size >= 0) {
            sqlite3_int64 size = 0;
            if (file->real->pMethods->xFileSize(file->real, &size) == SQLITE_OK && size > file->synced_size &&
                (!power_tear || next_random() % 2 == 0)) {
                file->real->pMethods->xTruncate(file->real, file->synced_size);
            }
        }
        forget_unsynced(file);
    }
}

/// For a tracked file: SQLITE_IOERR once the power is gone, or the cut
/// itself when this call is the one it was armed for. Called with fault_lock held.
static int power_check(FaultFile *file) {
    if (!power_tracks(file)) return SQLITE_OK;
    if (power_cut) return SQLITE_IOERR;
    if (--power_calls_left <= 0) {
        cut_power();
        return SQLITE_IOERR;
    }
    return SQLITE_OK;
}

/// The armed fault's code for this call (a sync or not) to this file, or SQLITE_OK.
static int fault_for(FaultFile *file, int is_sync) {
    pthread_mutex_lock(&fault_lock);
    int armed = fault_code != 0 && (is_sync || !fault_syncs_only);
    int code = (armed && strstr(file->path, fault_fragment) != NULL) ? fault_code : SQLITE_OK;
    pthread_mutex_unlock(&fault_lock);
    if (code != SQLITE_OK) atomic_fetch_add(&failed_calls, 1);
    return code;
}

#define REAL(f) (((FaultFile *)(f))->real)

static int f_close(sqlite3_file *f) {
    FaultFile *file = (FaultFile *)f;
    pthread_mutex_lock(&fault_lock);
    if (file->previous_open != NULL) file->previous_open->next_open = file->next_open;
    else if (open_files == file) open_files = file->next_open;
    if (file->next_open != NULL) file->next_open->previous_open = file->previous_open;
    forget_unsynced(file);
    pthread_mutex_unlock(&fault_lock);
    return REAL(f)->pMethods->xClose(REAL(f));
}
static int f_read(sqlite3_file *f, void *buffer, int amount, sqlite3_int64 offset) {
    return REAL(f)->pMethods->xRead(REAL(f), buffer, amount, offset);
}
static int f_write(sqlite3_file *f, const void *buffer, int amount, sqlite3_int64 offset) {
    FaultFile *file = (FaultFile *)f;
    int code = fault_for(file, 0);
    if (code != SQLITE_OK) return code;
    pthread_mutex_lock(&fault_lock);
    code = power_check(file);
    if (code == SQLITE_OK && power_tracks(file)) {
        // Remember what this write replaces, until a sync makes it durable.
        if (file->synced_size < 0 && REAL(f)->pMethods->xFileSize(REAL(f), &file->synced_size) != SQLITE_OK) {
            file->synced_size = -1;
        }
        PreImage *image = sqlite3_malloc64(sizeof(PreImage) + (sqlite3_uint64)amount);
        if (image == NULL) {
            code = SQLITE_NOMEM;
        } else {
            image->offset = offset;
            image->amount = amount;
            memset(image->bytes, 0, (size_t)amount);
            REAL(f)->pMethods->xRead(REAL(f), image->bytes, amount, offset);
            image->next = file->unsynced;
            file->unsynced = image;
        }
    }
    pthread_mutex_unlock(&fault_lock);
    return code != SQLITE_OK ? code : REAL(f)->pMethods->xWrite(REAL(f), buffer, amount, offset);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size) {
    FaultFile *file = (FaultFile *)f;
    int code = fault_for(file, 0);
    if (code != SQLITE_OK) return code;
    pthread_mutex_lock(&fault_lock);
    code = power_check(file);
    pthread_mutex_unlock(&fault_lock);
    return code != SQLITE_OK ? code : REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int f_sync(sqlite3_file *f, int flags) {
    FaultFile *file = (FaultFile *)f;
    // A full disk or a read-only file system fails the write before; a sync
    // fails as an I/O error.
    if (fault_for(file, 1) != SQLITE_OK) return SQLITE_IOERR_FSYNC;
    pthread_mutex_lock(&fault_lock);
    int code = power_check(file);
    pthread_mutex_unlock(&fault_lock);
    if (code != SQLITE_OK) return SQLITE_IOERR_FSYNC;
    code = REAL(f)->pMethods->xSync(REAL(f), flags);
    if (code == SQLITE_OK) {
        pthread_mutex_lock(&fault_lock);
        forget_unsynced(file);
        file->synced_size = -1;
        pthread_mutex_unlock(&fault_lock);
    }
    return code;
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
    fault->unsynced = NULL;
    fault->synced_size = -1;
    fault->next_open = NULL;
    fault->previous_open = NULL;
    int code = real_vfs->xOpen(real_vfs, name, fault->real, flags, out_flags);
    // SQLite calls xClose only on a file whose pMethods is set.
    fault->base.pMethods = (code == SQLITE_OK && fault->real->pMethods != NULL) ? &fault_methods : NULL;
    if (fault->base.pMethods != NULL) {
        pthread_mutex_lock(&fault_lock);
        fault->next_open = open_files;
        if (open_files != NULL) open_files->previous_open = fault;
        open_files = fault;
        pthread_mutex_unlock(&fault_lock);
    }
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
    case MALLEDGE_FAULT_SYNC_ERROR: fault_code = SQLITE_IOERR_FSYNC; break;
    default: fault_code = SQLITE_OK; break;
    }
    fault_syncs_only = kind == MALLEDGE_FAULT_SYNC_ERROR;
    fault_fragment[0] = 0;
    if (path_fragment != NULL) {
        strncpy(fault_fragment, path_fragment, sizeof(fault_fragment) - 1);
        fault_fragment[sizeof(fault_fragment) - 1] = 0;
    }
    atomic_store(&failed_calls, 0);
    pthread_mutex_unlock(&fault_lock);
}

long malledge_faults_failed_calls(void) { return atomic_load(&failed_calls); }

void malledge_power_arm(const char *path_fragment, long cut_after, unsigned int seed, int tear) {
    pthread_mutex_lock(&fault_lock);
    for (FaultFile *file = open_files; file != NULL; file = file->next_open) {
        forget_unsynced(file);
        file->synced_size = -1;
    }
    power_fragment[0] = 0;
    if (path_fragment != NULL) {
        strncpy(power_fragment, path_fragment, sizeof(power_fragment) - 1);
        power_fragment[sizeof(power_fragment) - 1] = 0;
    }
    power_calls_left = cut_after < 1 ? 1 : cut_after;
    power_seed = seed;
    power_tear = tear;
    power_cut = 0;
    power_armed = 1;
    pthread_mutex_unlock(&fault_lock);
}

int malledge_power_was_cut(void) {
    pthread_mutex_lock(&fault_lock);
    int cut = power_cut;
    pthread_mutex_unlock(&fault_lock);
    return cut;
}

void malledge_power_restore(void) {
    pthread_mutex_lock(&fault_lock);
    power_armed = 0;
    power_cut = 0;
    power_fragment[0] = 0;
    for (FaultFile *file = open_files; file != NULL; file = file->next_open) {
        forget_unsynced(file);
        file->synced_size = -1;
    }
    pthread_mutex_unlock(&fault_lock);
}

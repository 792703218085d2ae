/*
 * A full disk on demand, for the fault campaign (deploy/scripts/fault-campaign.py).
 *
 * Preloaded into a process (LD_PRELOAD), it makes every write to the
 * process's SQLite files (a path containing ".sqlite": the database, its
 * write-ahead log and journal) fail with ENOSPC while the file named by
 * MALLEDGE_FULL_DISK exists, as a disk that filled up would. Nothing is
 * written by a failed call. Other files (logs) are not touched, and the
 * SQLite shared-memory index is mapped memory, which no write call carries.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int disk_is_full(int fd) {
    const char *flag = getenv("MALLEDGE_FULL_DISK");
    if (flag == NULL || access(flag, F_OK) != 0) return 0;
    char link[64];
    char path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, path, sizeof path - 1);
    if (length <= 0) return 0;
    path[length] = '\0';
    return strstr(path, ".sqlite") != NULL;
}

#define REFUSE_IF_FULL(fd) \
    do { \
        if (disk_is_full(fd)) { \
            errno = ENOSPC; \
            return -1; \
        } \
    } while (0)

ssize_t write(int fd, const void *buffer, size_t count) {
    static ssize_t (*real)(int, const void *, size_t);
    if (real == NULL) real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    REFUSE_IF_FULL(fd);
    return real(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (real == NULL) real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    REFUSE_IF_FULL(fd);
    return real(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off64_t offset) {
    static ssize_t (*real)(int, const void *, size_t, off64_t);
    if (real == NULL) real = (ssize_t (*)(int, const void *, size_t, off64_t))dlsym(RTLD_NEXT, "pwrite64");
    REFUSE_IF_FULL(fd);
    return real(fd, buffer, count, offset);
}

/* noreserve.c - preloaded (LD_PRELOAD) by the full-disk tests: fallocate
 * and posix_fallocate as ZFS has them, the file's size set and no block
 * reserved, so that a store to a shared mapping with no room behind it
 * raises SIGBUS as it does there; with NORESERVE_NONE set, fallocate as
 * file systems without it have it (NFS before 4.2, many FUSE ones):
 * EOPNOTSUPP, nothing done. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static int grow(int fd, off_t o, off_t n) {
    struct stat sb;
    if (fstat(fd, &sb)) return errno;
    if (o + n > sb.st_size && ftruncate(fd, o + n)) return errno;
    return 0;
}

int fallocate(int fd, int mode, off_t o, off_t n) {
    if (getenv("NORESERVE_NONE")) {
        errno = EOPNOTSUPP;
        return -1;
    }
    int e = (mode & 1) ? 0 : grow(fd, o, n); /* 1: FALLOC_FL_KEEP_SIZE */
    if (e) {
        errno = e;
        return -1;
    }
    return 0;
}

int fallocate64(int fd, int mode, off_t o, off_t n) { return fallocate(fd, mode, o, n); }
int posix_fallocate(int fd, off_t o, off_t n) { return grow(fd, o, n); }
int posix_fallocate64(int fd, off_t o, off_t n) { return grow(fd, o, n); }

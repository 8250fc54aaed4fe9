/*
 * fs.c - file helpers shared by the stores.
 *
 * Design: everything sanctrace keeps (snapshots, the server's database,
 * rings state, chain stores) may hold screened names, key hashes and
 * customer records, so it is private to the user who runs sanctrace:
 * directories are created 0700 and files 0600, with the mode passed to
 * mkdir/open itself, so no umask can widen it (a umask only removes bits).
 * Writers of shared state take an exclusive flock on a lock file for the
 * whole read-modify-write (st_lock_take); a failure to create that file is
 * reported with its errno, never mistaken for another holder.
 */
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"

/* What is left to read on fd (path names it in errors), whole. */
static int read_fd(int fd, const char *path, size_t max, char **data, size_t *len, st_error *err) {
    st_buf b;
    st_buf_init(&b, max + 1); /* one byte over, to notice input past max */
    struct stat sb;
    int rc = ST_OK;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        if ((size_t)sb.st_size > max) {
            rc = st_error_at(err, ST_ELIMIT, path, 0, -1, "file is %lld bytes, over the %zu limit",
                             (long long)sb.st_size, max);
            goto done;
        }
        if ((rc = st_buf_reserve(&b, (size_t)sb.st_size)) != ST_OK) goto oom;
    }
    for (;;) {
        size_t room = max + 1 - b.len;
        if ((rc = st_buf_reserve(&b, room < 65536 ? room : 65536)) != ST_OK) {
            if (rc == ST_ELIMIT) {
                rc = st_error_at(err, ST_ELIMIT, path, 0, -1, "input over the %zu byte limit", max);
                goto done;
            }
            goto oom;
        }
        ssize_t n = read(fd, b.data + b.len, b.cap - b.len - 1);
        if (n < 0) {
            if (errno == EINTR) continue;
            rc = st_error_at(err, ST_EIO, path, 0, -1, "read failed: %s", strerror(errno));
            goto done;
        }
        if (n == 0) break;
        b.len += (size_t)n;
        if (b.len > max) {
            rc = st_error_at(err, ST_ELIMIT, path, 0, -1, "input over the %zu byte limit", max);
            goto done;
        }
    }
    if (!b.data && (rc = st_buf_reserve(&b, 0)) != ST_OK) goto oom;
    b.data[b.len] = 0;
    *len = b.len;
    *data = st_buf_take(&b);
    return ST_OK;
oom:
    rc = st_error_at(err, ST_ENOMEM, path, 0, -1, "out of memory reading file");
done:
    st_buf_free(&b);
    return rc;
}

int st_file_read(const char *path, size_t max, char **data, size_t *len, st_error *err) {
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return st_error_at(err, ST_EIO, path, 0, -1, "cannot open: %s", strerror(errno));
    int rc = read_fd(fd, path, max, data, len, err);
    if (fd) close(fd);
    return rc;
}

int st_file_create_tmp(const char *path, char *tmp, size_t ntmp, int *fd, st_error *err) {
    int rc = ST_OK, e;
    *fd = -1;
    if (snprintf(tmp, ntmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)ntmp)
        e = ENAMETOOLONG, rc = st_error_at(err, ST_ELIMIT, path, 0, -1, "path too long");
    else if ((*fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, ST_FILE_MODE)) < 0)
        e = errno, rc = st_error_at(err, ST_EIO, tmp, 0, -1, "cannot create: %s", strerror(errno));
    if (rc) errno = e;
    return rc;
}

int st_file_write_tmp(const char *path, const void *data, size_t len, char *tmp, size_t ntmp, int *fd,
                      st_error *err) {
    int f, rc = st_file_create_tmp(path, tmp, ntmp, &f, err);
    *fd = -1;
    if (rc) return rc;
    if (st_write_all(f, data, len)) {
        int e = errno;
        close(f);
        unlink(tmp);
        return st_error_at(err, ST_EIO, tmp, 0, -1, "write failed: %s", strerror(e));
    }
    *fd = f;
    return ST_OK;
}

int st_write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int st_file_reserve_tmp(const char *path, size_t len, char *tmp, size_t ntmp, int *fd, st_error *err) {
    *fd = -1;
    if (len > (size_t)INT64_MAX) {
        st_error_at(err, ST_ELIMIT, path, 0, -1, "cannot reserve %zu bytes", len);
        errno = EFBIG;
        return ST_ELIMIT;
    }
    int f, rc = st_file_create_tmp(path, tmp, ntmp, &f, err);
    if (rc) return rc;
    int e = 0;
    while (len && fallocate(f, 0, 0, (off_t)len) != 0 && (e = errno) == EINTR) e = 0;
    if (e == ENOSPC || e == EDQUOT || e == EFBIG) {
        close(f);
        unlink(tmp);
        st_error_at(err, ST_EIO, tmp, 0, -1, "cannot reserve %zu bytes: %s", len, strerror(e));
        errno = e;
        return ST_EIO;
    }
    *fd = f;
    return ST_OK;
}

int st_file_write_atomic(const char *path, const void *data, size_t len, st_error *err) {
    char tmp[4096];
    int fd, rc = st_file_write_tmp(path, data, len, tmp, sizeof tmp, &fd, err);
    if (rc) return rc;
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(tmp);
        return st_error_at(err, ST_EIO, tmp, 0, -1, "fsync/close failed: %s", strerror(errno));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return st_error_at(err, ST_EIO, path, 0, -1, "rename failed: %s", strerror(e));
    }
    return ST_OK;
}

int st_mkdir_p(const char *path, st_error *err) {
    char p[4096];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return st_error_at(err, ST_ELIMIT, path, 0, -1, "path too long");
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, ST_DIR_MODE) != 0 && errno != EEXIST)
            return st_error_at(err, ST_EIO, p, 0, -1, "mkdir failed: %s", strerror(errno));
        *s = '/';
    }
    if (mkdir(p, ST_DIR_MODE) != 0 && errno != EEXIST)
        return st_error_at(err, ST_EIO, p, 0, -1, "mkdir failed: %s", strerror(errno));
    return ST_OK;
}

int st_file_private(const char *path, st_error *err) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, ST_FILE_MODE);
    if (fd < 0) return st_error_at(err, ST_EIO, path, 0, -1, "cannot create: %s", strerror(errno));
    struct stat sb;
    int rc = ST_OK;
    /* a file left by an older sanctrace or created under another umask */
    if (fstat(fd, &sb) == 0 && (sb.st_mode & 077) && sb.st_uid == geteuid() &&
        fchmod(fd, sb.st_mode & 0700) != 0)
        rc = st_error_at(err, ST_EIO, path, 0, -1, "cannot make it private: %s", strerror(errno));
    close(fd);
    return rc;
}

int st_lock_take(const char *path, int wait, const char *what, int *fd, st_error *err) {
    *fd = -1;
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, ST_FILE_MODE);
    if (f < 0) {
        int e = errno;
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) *slash = 0;
        else snprintf(dir, sizeof dir, ".");
        if (e == EROFS || e == EACCES || e == EPERM)
            return st_error_at(err, ST_EIO, dir, 0, -1, "directory not writable: %s", strerror(e));
        return st_error_at(err, ST_EIO, path, 0, -1, "cannot create the lock file: %s", strerror(e));
    }
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            int e = errno;
            close(f);
            return st_error_at(err, ST_EIO, path, 0, -1, "cannot lock: %s", strerror(e));
        }
        if (!wait) {
            close(f);
            return st_error_at(err, ST_EIO, path, 0, -1, "%s holds the lock", what);
        }
        if (isatty(STDERR_FILENO))
            fprintf(stderr, "sanctrace: waiting for %s to finish (it holds %s)\n", what, path);
        int r;
        while ((r = flock(f, LOCK_EX)) != 0 && errno == EINTR) continue;
        if (r != 0) {
            int e = errno;
            close(f);
            return st_error_at(err, ST_EIO, path, 0, -1, "cannot lock: %s", strerror(e));
        }
    }
    *fd = f;
    return ST_OK;
}

void st_lock_release(int fd) {
    if (fd >= 0) close(fd); /* closing the last descriptor drops the flock */
}

int st_path_exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

int st_is_dir(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

int st_rm_rf(const char *path) {
    if (!st_path_exists(path)) return ST_OK;
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? ST_OK : ST_EIO;
}

int st_path_join(char *out, size_t n, const char *a, const char *b) {
    size_t la = strlen(a);
    int k = snprintf(out, n, "%s%s%s", a, (la && a[la - 1] == '/') ? "" : "/", b);
    return (k < 0 || (size_t)k >= n) ? ST_ELIMIT : ST_OK;
}

int st_file_map_fd(int fd, const char *path, size_t max, st_fmap *m, st_error *err) {
    memset(m, 0, sizeof *m);
    m->data = "";
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
        if ((size_t)sb.st_size > max)
            return st_error_at(err, ST_ELIMIT, path, 0, -1, "file is %lld bytes, over the %zu limit",
                               (long long)sb.st_size, max);
        void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            madvise(p, (size_t)sb.st_size, MADV_SEQUENTIAL);
            m->map = p;
            m->data = p;
            m->len = (size_t)sb.st_size;
            return ST_OK;
        }
        /* no mapping (some file systems): read it instead */
    }
    int rc = read_fd(fd, path, max, &m->heap, &m->len, err);
    if (rc == ST_OK) m->data = m->heap;
    return rc;
}

/* The file is opened once: its size, its mapping and, where it cannot be
 * mapped, its bytes all come from the same file. */
int st_file_map(const char *path, size_t max, st_fmap *m, st_error *err) {
    memset(m, 0, sizeof *m);
    m->data = "";
    if (strcmp(path, "-") == 0) { /* standard input, from where it is */
        int rc = read_fd(0, path, max, &m->heap, &m->len, err);
        if (rc == ST_OK) m->data = m->heap;
        return rc;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return st_error_at(err, ST_EIO, path, 0, -1, "cannot open: %s", strerror(errno));
    int rc = st_file_map_fd(fd, path, max, m, err);
    close(fd);
    return rc;
}

void st_file_unmap(st_fmap *m) {
    if (m->map) munmap(m->map, m->len);
    st_free(m->heap);
    memset(m, 0, sizeof *m);
    m->data = "";
}

/*
 * fs.h - whole-file reads, crash-safe writes, directories, locks.
 *
 * Invariant: st_file_write_atomic never leaves a half-written file under
 * the final name: it writes a temporary beside it, fsyncs, then renames.
 * What sanctrace stores is private: directories it creates are 0700 and
 * files 0600 whatever the umask (ST_DIR_MODE, ST_FILE_MODE).
 */
#ifndef ST_FS_H
#define ST_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "sanctrace/sanctrace.h"

/* st_file_read (a whole file, or stdin) is public: sanctrace/io.h. */
#include "sanctrace/io.h"

/* A file mapped read-only (regular files), else read into memory (pipes,
 * stdin): for inputs of gigabytes that are read once from start to end.
 * data is valid until st_file_unmap; it is not NUL-terminated. */
typedef struct st_fmap {
    const char *data;
    size_t len;
    void *map;  /* owned mapping, or NULL */
    char *heap; /* owned buffer, or NULL */
} st_fmap;
int st_file_map(const char *path, size_t max, st_fmap *m, st_error *err);
/* The same for the file open on fd (the caller's still; path names it in
 * errors): mapped, or read from fd's offset when it cannot be. */
int st_file_map_fd(int fd, const char *path, size_t max, st_fmap *m, st_error *err);
void st_file_unmap(st_fmap *m);
/* Modes of every store directory and file sanctrace creates. */
#define ST_DIR_MODE 0700
#define ST_FILE_MODE 0600

/* Written under a temporary name (mode ST_FILE_MODE), fsynced, renamed. */
int st_file_write_atomic(const char *path, const void *data, size_t len, st_error *err);
/* path.tmp.PID (named in tmp[ntmp]) created empty and open read-write on
 * *fd, for a file written in pieces then synced and renamed by its
 * caller; on failure an error and errno saying why. */
int st_file_create_tmp(const char *path, char *tmp, size_t ntmp, int *fd, st_error *err);
/* All len bytes of data written to fd (a write cut short goes on; EINTR
 * retried): 0, or -1 with errno. */
int st_write_all(int fd, const void *data, size_t len);
/* Its first half: data written to path.tmp.PID (named in tmp[ntmp]) and
 * left open on *fd, not synced, for a caller that syncs and renames
 * several files together; on failure nothing is left. */
int st_file_write_tmp(const char *path, const void *data, size_t len, char *tmp, size_t ntmp, int *fd,
                      st_error *err);
/* 1 when fd's file system is one whose fallocate reserves the blocks
 * (ext4, xfs, tmpfs), so that stores to a shared mapping of the reserved
 * range cannot fault for want of room; 0 for the rest (ZFS's fallocate
 * only checks free space, btrfs may still fail a page's first store) and
 * when it cannot be told. */
int st_fs_reserves(int fd);
/* The other way to its first half, for an image built in place: a new
 * path.tmp.PID (named in tmp[ntmp]) of len bytes, its blocks reserved
 * (fallocate: a full disk is this error, never a fault on a later store
 * to the mapping), mapped shared for writing in *map, reading as zeros;
 * left open on *fd.  What is stored there is the file's: munmap, then
 * sync and rename as after st_file_write_tmp.  On failure nothing is left
 * and errno says why: EOPNOTSUPP on a file system that does not reserve
 * (st_fs_reserves) or has no fallocate, where the caller builds in memory
 * instead; ENOSPC, EDQUOT or EFBIG when there is no room. */
int st_file_map_tmp(const char *path, size_t len, char *tmp, size_t ntmp, int *fd, void **map, st_error *err);
/* Each missing directory of path created with ST_DIR_MODE. */
int st_mkdir_p(const char *path, st_error *err);
/* Create path empty with ST_FILE_MODE when missing; when it exists, is
 * ours and is readable by others, take those bits away. */
int st_file_private(const char *path, st_error *err);
/* Exclusive flock on the lock file path (created ST_FILE_MODE).  While
 * another process holds it: with wait, block, saying so on a terminal
 * ("waiting for <what> to finish"); without, fail ("<what> holds the
 * lock").  *fd holds the lock until st_lock_release.  A lock
 * file that cannot be created is reported with the real reason ("D is not
 * writable: Read-only file system"). */
int st_lock_take(const char *path, int wait, const char *what, int *fd, st_error *err);
void st_lock_release(int fd);
int st_path_exists(const char *path);
int st_is_dir(const char *path);
/* Remove a directory tree (used for old snapshots and test scratch). */
int st_rm_rf(const char *path);
/* Join a and b with one '/' into out; ST_ELIMIT when it does not fit. */
int st_path_join(char *out, size_t n, const char *a, const char *b);

#endif

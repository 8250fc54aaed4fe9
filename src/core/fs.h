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
/* Its other first half, for an image of len bytes its caller builds in
 * memory and then writes: path.tmp.PID (named in tmp[ntmp]) created and
 * its blocks reserved where the file system can (fallocate), so that a
 * full disk is said before the build rather than after it.  Left open on
 * *fd at offset 0, reading as len zeros (empty without fallocate).  On
 * failure nothing is left and errno says why (ENOSPC, EDQUOT or EFBIG: no
 * room); a file system without fallocate is no failure (the write says
 * no room, if it comes to that). */
int st_file_reserve_tmp(const char *path, size_t len, char *tmp, size_t ntmp, int *fd, st_error *err);
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

/*
 * fs.h - whole-file reads, crash-safe writes, directories.
 *
 * Invariant: st_file_write_atomic never leaves a half-written file under
 * the final name: it writes a temporary beside it, fsyncs, then renames.
 */
#ifndef ST_FS_H
#define ST_FS_H

#include <stddef.h>

#include "sanctrace/sanctrace.h"

/* Read path (or stdin for "-") into a new NUL-terminated buffer that the
 * caller st_free()s.  Files larger than max bytes fail with ST_ELIMIT. */
int st_file_read(const char *path, size_t max, char **data, size_t *len, st_error *err);
int st_file_write_atomic(const char *path, const void *data, size_t len, st_error *err);
int st_mkdir_p(const char *path, st_error *err);
int st_path_exists(const char *path);
int st_is_dir(const char *path);
/* Remove a directory tree (used for old snapshots and test scratch). */
int st_rm_rf(const char *path);
/* Join a and b with one '/' into out; ST_ELIMIT when it does not fit. */
int st_path_join(char *out, size_t n, const char *a, const char *b);

#endif

/*
 * sanctrace.h - the public face of sanctrace: version, status codes and
 * the error record every fallible call fills in.
 *
 * Design: every function that can fail returns an int status (ST_OK or one
 * of the ST_E* codes below, a reserved negative range as in LMDB) and, when
 * it is handed a st_error, writes a human message plus the position of the
 * bad input there (file, line, byte offset, record id).  Callers print
 * st_error_format() and go on with the next record where that makes sense.
 */
#ifndef SANCTRACE_H
#define SANCTRACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ST_VERSION "0.1.0"

enum {
    ST_OK = 0,
    ST_ENOMEM = -30001,   /* an allocation failed */
    ST_EIO = -30002,      /* reading or writing a file failed */
    ST_EPARSE = -30003,   /* input was malformed; position in st_error */
    ST_EINVAL = -30004,   /* a caller passed something unusable */
    ST_ENOTFOUND = -30005,/* the thing asked for does not exist */
    ST_ELIMIT = -30006,   /* an input exceeded a hard size limit */
    ST_ECORRUPT = -30007, /* a stored file failed its checks */
    ST_EUSAGE = -30008,   /* command-line usage error */
    ST_ENET = -30009,     /* a download failed */
};

/* Where and why something failed.  Plain data, caller-owned, no heap. */
typedef struct st_error {
    int code;            /* one of the ST_E* codes, ST_OK when clear */
    char msg[512];       /* what was wrong, in words */
    char file[256];      /* file being read, "" when not file input */
    long line;           /* 1-based line, 0 when unknown */
    long long offset;    /* byte offset, -1 when unknown */
    char record[96];     /* record id or key, "" when unknown */
} st_error;

/* Reset to "no error". */
void st_error_clear(st_error *err);

/* Fill code and message (printf-style); keeps any position already set.
 * Returns code so callers can write `return st_error_set(err, ...)`.
 * err may be NULL. */
int st_error_set(st_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, with a position.  file may be NULL, line/offset 0/-1 when unknown. */
int st_error_at(st_error *err, int code, const char *file, long line,
                long long offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* "file:line: msg" (or with offset/record) into out; returns out. */
const char *st_error_format(const st_error *err, char *out, size_t n);

/* Short name of a status code. */
const char *st_strerror(int code);

/* A UTC date or time as text to Unix seconds: "2025-03-21", with a time
 * after "T" or " " ("2025-03-21T12:00:00Z", BigQuery's "2025-03-21
 * 12:00:00.5 UTC"; a fraction is dropped; zone Z, UTC, +00:00, +0000, +00
 * or none).  ST_EINVAL for any other form or zone, or a day the calendar
 * has not (2023-02-29). */
int st_date_parse(const char *s, int64_t *out);

/* A switch from the environment (SANCTRACE_NO_SYNC=1 and the like): 1 when
 * name is set to anything but "", "0", "no", "false" or "off" (any case),
 * so that SANCTRACE_NO_SYNC=0 keeps the syncs it seems to ask for. */
int st_env_flag(const char *name);

/* Release memory that a sanctrace call handed to the caller (a string, an
 * array, a buffer its documentation says "the caller's (st_free)").  The
 * library allocates through one wrapper, so this, not free(), is the
 * matching release.  NULL is allowed. */
void st_free(void *p);

#ifdef __cplusplus
}
#endif

#endif

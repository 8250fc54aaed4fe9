/*
 * error.c - st_error: the message-and-position record of a failure.
 *
 * Invariant: a st_error is fixed-size plain data, so filling one never
 * allocates and cannot itself fail; messages are truncated, never dropped.
 */
#include "sanctrace/sanctrace.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void st_error_clear(st_error *err) {
    if (!err) return;
    memset(err, 0, sizeof *err);
    err->offset = -1;
}

static void error_vset(st_error *err, int code, const char *fmt, va_list ap) {
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int st_error_set(st_error *err, int code, const char *fmt, ...) {
    if (!err) return code;
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

int st_error_at(st_error *err, int code, const char *file, long line,
                long long offset, const char *fmt, ...) {
    if (!err) return code;
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, fmt, ap);
    va_end(ap);
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->offset = offset;
    return code;
}

const char *st_error_format(const st_error *err, char *out, size_t n) {
    size_t k = 0;
    if (!n) return out;
    out[0] = 0;
    if (err->file[0]) k += snprintf(out + k, n - k, "%s:", err->file);
    if (k < n && err->line > 0) k += snprintf(out + k, n - k, "%ld:", err->line);
    if (k < n && err->offset >= 0 && err->line <= 0)
        k += snprintf(out + k, n - k, "offset %lld:", err->offset);
    if (k < n && err->record[0]) k += snprintf(out + k, n - k, " record %s:", err->record);
    if (k < n) snprintf(out + k, n - k, "%s%s", k ? " " : "", err->msg[0] ? err->msg : st_strerror(err->code));
    return out;
}

const char *st_strerror(int code) {
    switch (code) {
    case ST_OK: return "ok";
    case ST_ENOMEM: return "out of memory";
    case ST_EIO: return "input/output error";
    case ST_EPARSE: return "malformed input";
    case ST_EINVAL: return "invalid argument";
    case ST_ENOTFOUND: return "not found";
    case ST_ELIMIT: return "size limit exceeded";
    case ST_ECORRUPT: return "corrupt store";
    case ST_EUSAGE: return "usage error";
    case ST_ENET: return "download failed";
    default: return "unknown error";
    }
}

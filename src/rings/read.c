/*
 * read.c - applicant files in: CSV with a header, or JSON lines.
 *
 * Design: both readers turn one row into the same array of field strings
 * (one slot per known column) and hand it to rg_record_add, so the rest of
 * the engine never knows the format.  A malformed row (CSV syntax, wrong
 * field count, JSON that is not an object, a value of the wrong type, a
 * bad typed value) is reported through opts.warn with file, line and
 * reason and skipped, and reading resumes at the next line (the shared
 * rule of core/csv.h); only an unreadable file or a bad header stops the
 * read.  Invariant: nothing of a rejected row stays in the context.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/csv.h"
#include "core/fs.h"
#include "core/map.h"
#include "core/progress.h"
#include "rings/rings_int.h"

#define RG_MAX_FILE ((size_t)8 << 30)   /* 8 GiB of input per file */
#define RG_MAX_LINE ((size_t)4 << 20)   /* one JSON line */



static void warn(st_rings *r, const st_error *e) {
    r->rejected++;
    if (r->opts.warn) r->opts.warn(r->opts.warn_ctx, e);
}

/* ---- CSV --------------------------------------------------------------- */

static int read_csv(st_rings *r, const char *data, size_t len, const char *name, st_error *err) {
    st_csv *c = NULL;
    int rc = st_csv_open(&c, data, len, name, ST_CSV_TRIM | ST_CSV_HEADER);
    if (rc != ST_OK) return st_error_set(err, rc, "out of memory");
    int colmap[ST_CSV_MAX_FIELDS];
    size_t ncols = 0;
    /* cleared before every use: st_error_format prints every field, and a
     * reader that fills only some of them must not leave stack bytes in
     * the others (the record text was once printed from such garbage) */
    st_error e;
    st_error_clear(&e);
    /* header */
    rc = st_csv_next(c, &e);
    if (rc != 1) {
        st_csv_close(c);
        if (rc == 0) return ST_OK; /* empty file */
        *err = e;
        return rc == ST_ENOMEM ? rc : ST_EPARSE; /* a bad header: nothing can be read */
    }
    ncols = st_csv_nfields(c);
    int have_id = 0;
    for (size_t i = 0; i < ncols; i++) {
        colmap[i] = rg_col_find(st_csv_field(c, i));
        if (colmap[i] == RG_C_ID) have_id = 1;
    }
    if (!have_id) {
        st_csv_close(c);
        return st_error_at(err, ST_EPARSE, name, 1, -1, "header has no 'id' column");
    }
    st_progress prog;
    st_progress_begin(&prog, "rings: reading rows", 0);
    if (!r->opts.progress) prog.enabled = 0;
    for (uint64_t rows = 1;; rows++) {
        if ((rows & 4095) == 0) st_progress_tick(&prog, rows);
        st_error_clear(&e);
        rc = st_csv_next(c, &e);
        if (rc == 0) break;
        if (rc == ST_ENOMEM) { *err = e; st_csv_close(c); st_progress_end(&prog); return rc; }
        if (rc != 1) { warn(r, &e); continue; } /* malformed; the reader resumed at the next line */
        long line = st_csv_line(c);
        const char *fields[RG_NCOLS] = {0};
        for (size_t i = 0; i < ncols; i++)
            if (colmap[i] >= 0) fields[colmap[i]] = st_csv_field(c, i);
        st_error_clear(&e);
        rc = rg_record_add(r, fields, name, line, &e);
        if (rc == ST_ENOMEM) { *err = e; st_csv_close(c); st_progress_end(&prog); return rc; }
        if (rc != ST_OK) warn(r, &e);
    }
    st_progress_end(&prog);
    st_csv_close(c);
    return ST_OK;
}

/* ---- JSON lines -------------------------------------------------------- */

/* A JSON value as field text: strings as they are, numbers in decimal,
 * arrays joined with ';'.  0 when the type cannot be a field. */
static int json_field(json_t *v, st_buf *out) {
    switch (json_typeof(v)) {
    case JSON_STRING: return st_buf_append(out, json_string_value(v), json_string_length(v)) == ST_OK;
    case JSON_INTEGER: return st_buf_printf(out, "%lld", (long long)json_integer_value(v)) == ST_OK;
    case JSON_REAL: return st_buf_printf(out, "%g", json_real_value(v)) == ST_OK;
    case JSON_NULL: return 1;
    case JSON_ARRAY: {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if (json_is_array(x) || json_is_object(x)) return 0;
            if (i && st_buf_putc(out, ';') != ST_OK) return 0;
            if (!json_field(x, out)) return 0;
        }
        return 1;
    }
    default: return 0;
    }
}

static int read_jsonl(st_rings *r, const char *data, size_t len, const char *name, st_error *err) {
    const char *p = data, *end = data + len;
    long line = 0;
    st_buf fb[RG_NCOLS];
    for (int i = 0; i < RG_NCOLS; i++) st_buf_init(&fb[i], RG_MAX_FIELD);
    int rc = ST_OK;
    st_error e;
    st_progress prog;
    st_progress_begin(&prog, "rings: reading lines", (uint64_t)len);
    if (!r->opts.progress) prog.enabled = 0;
    while (p < end) {
        if ((line & 4095) == 0) st_progress_tick(&prog, (uint64_t)(p - data));
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        const char *s = p;
        p = nl ? nl + 1 : end;
        while (s < le && isspace((unsigned char)*s)) s++;
        if (s == le) continue;
        st_error_clear(&e);
        if ((size_t)(le - s) > RG_MAX_LINE) {
            st_error_at(&e, ST_ELIMIT, name, line, -1, "line longer than 4 MiB");
            warn(r, &e);
            continue;
        }
        json_error_t je;
        json_t *o = json_loadb(s, (size_t)(le - s), JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &je);
        if (!o) {
            st_error_at(&e, ST_EPARSE, name, line, -1, "invalid JSON at column %d: %s", je.column, je.text);
            warn(r, &e);
            continue;
        }
        if (je.position > 0 && (size_t)je.position < (size_t)(le - s)) {
            /* trailing bytes after the object */
            const char *t = s + je.position;
            while (t < le && isspace((unsigned char)*t)) t++;
            if (t < le) {
                json_decref(o);
                st_error_at(&e, ST_EPARSE, name, line, -1, "bytes after the JSON object");
                warn(r, &e);
                continue;
            }
        }
        if (!json_is_object(o)) {
            json_decref(o);
            st_error_at(&e, ST_EPARSE, name, line, -1, "line is not a JSON object");
            warn(r, &e);
            continue;
        }
        const char *fields[RG_NCOLS] = {0};
        int bad = 0;
        const char *key;
        json_t *v;
        for (int i = 0; i < RG_NCOLS; i++) st_buf_reset(&fb[i]);
        json_object_foreach(o, key, v) {
            int col = rg_col_find(key);
            if (col < 0) continue;
            st_buf_reset(&fb[col]); /* "id" and "ID" both given: the last wins */
            if (!json_field(v, &fb[col])) {
                st_error_at(&e, ST_EPARSE, name, line, -1, "field '%s' has a value that is not text, a number or a list", rg_col_names[col]);
                bad = 1;
                break;
            }
            if (st_buf_putc(&fb[col], 0) != ST_OK) { bad = 1; break; }
            fb[col].len--;
            fields[col] = fb[col].data;
        }
        json_decref(o);
        if (bad) {
            if (!e.msg[0]) st_error_at(&e, ST_ELIMIT, name, line, -1, "a field is longer than 64 KiB");
            warn(r, &e);
            continue;
        }
        rc = rg_record_add(r, fields, name, line, &e);
        if (rc == ST_ENOMEM) { *err = e; break; }
        if (rc != ST_OK) warn(r, &e);
        rc = ST_OK;
    }
    st_progress_end(&prog);
    for (int i = 0; i < RG_NCOLS; i++) st_buf_free(&fb[i]);
    return rc;
}

int st_rings_add_buffer(st_rings *r, const char *data, size_t len, const char *name, st_error *err) {
    if (r->ran) return st_error_set(err, ST_EINVAL, "records added after st_rings_run");
    return rg_read_buffer(r, data, len, name, err);
}

int rg_read_buffer(st_rings *r, const char *data, size_t len, const char *name, st_error *err) {
    size_t i = 0;
    if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB && (unsigned char)data[2] == 0xBF) i = 3;
    while (i < len && isspace((unsigned char)data[i])) i++;
    if (i < len && data[i] == '{') return read_jsonl(r, data, len, name, err);
    return read_csv(r, data, len, name, err);
}

int st_rings_add_file(st_rings *r, const char *path, st_error *err) {
    char *data = NULL;
    size_t len = 0;
    int rc = st_file_read(path, RG_MAX_FILE, &data, &len, err);
    if (rc != ST_OK) return rc;
    rc = st_rings_add_buffer(r, data, len, strcmp(path, "-") ? path : "<stdin>", err);
    st_free(data);
    return rc;
}

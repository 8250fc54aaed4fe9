/*
 * csv.c - RFC 4180 reading with line tracking and encoding conversion.
 *
 * Invariant: field[i] points into `rec`, a single buffer holding every
 * field of the current record separated by NULs; offsets are recorded
 * instead of pointers while rec grows, and resolved once the record ends.
 */
#include "core/csv.h"

#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"

struct st_csv {
    const char *p, *end;
    char *name;
    unsigned flags;
    long line;        /* current physical line (1-based) */
    long rec_line;    /* line the current record starts on */
    st_buf rec;
    size_t nf;
    size_t off[ST_CSV_MAX_FIELDS + 1];
    size_t flen[ST_CSV_MAX_FIELDS];
};

/* Windows-1252 0x80..0x9F differ from Latin-1; the rest map 1:1 to U+00xx. */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0xFFFD};

int st_cp1252_to_utf8(unsigned char ch, char out[4]) {
    unsigned cp = ch;
    if (ch < 0x80) { out[0] = (char)ch; return 1; }
    if (ch < 0xA0) cp = cp1252_high[ch - 0x80];
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

int st_csv_open(st_csv **out, const char *data, size_t len, const char *name,
                unsigned flags) {
    st_csv *c = st_calloc(1, sizeof *c);
    if (!c) return ST_ENOMEM;
    c->name = st_strdup(name ? name : "");
    if (!c->name) { st_free(c); return ST_ENOMEM; }
    c->p = data;
    c->end = data + len;
    c->flags = flags;
    c->line = 1;
    st_buf_init(&c->rec, ST_CSV_MAX_RECORD);
    /* UTF-8 byte order mark */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) c->p += 3;
    *out = c;
    return ST_OK;
}

void st_csv_close(st_csv *c) {
    if (!c) return;
    st_buf_free(&c->rec);
    st_free(c->name);
    st_free(c);
}

static int csv_put(st_csv *c, unsigned char ch) {
    if ((c->flags & ST_CSV_CP1252) && ch >= 0x80) {
        char u[4];
        int n = st_cp1252_to_utf8(ch, u);
        return st_buf_append(&c->rec, u, (size_t)n);
    }
    return st_buf_putc(&c->rec, (char)ch);
}

static void csv_skip_line(st_csv *c) {
    while (c->p < c->end && *c->p != '\n') c->p++;
    if (c->p < c->end) { c->p++; c->line++; }
}

static int csv_end_field(st_csv *c, size_t start) {
    size_t len = c->rec.len - start;
    if (c->flags & ST_CSV_TRIM) {
        char *s = c->rec.data ? c->rec.data + start : NULL;
        size_t a = 0;
        while (a < len && (s[a] == ' ' || s[a] == '\t')) a++;
        while (len > a && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
        if (a) memmove(s, s + a, len - a);
        len -= a;
        c->rec.len = start + len;
    }
    c->flen[c->nf] = len;
    c->off[c->nf] = start;
    c->nf++;
    return st_buf_putc(&c->rec, 0);
}

int st_csv_next(st_csv *c, st_error *err) {
    int rc;
    for (;;) {
        /* skip blank lines and a trailing DOS end-of-file byte */
        while (c->p < c->end && (*c->p == '\r' || *c->p == '\n' || *c->p == 0x1A)) {
            if (*c->p == '\n') c->line++;
            c->p++;
        }
        if (c->p >= c->end) return 0;
        c->rec_line = c->line;
        st_buf_reset(&c->rec);
        c->nf = 0;
        int quoted = 0, after_quote = 0;
        size_t start = 0;
        rc = ST_OK;
        while (c->p < c->end) {
            unsigned char ch = (unsigned char)*c->p;
            if (quoted) {
                c->p++;
                if (ch == '"') {
                    if (c->p < c->end && *c->p == '"') { c->p++; rc = csv_put(c, '"'); }
                    else { quoted = 0; after_quote = 1; }
                } else {
                    if (ch == '\n') c->line++;
                    rc = csv_put(c, ch);
                }
            } else if (ch == ',') {
                c->p++;
                if (c->nf >= ST_CSV_MAX_FIELDS) { rc = ST_ELIMIT; break; }
                rc = csv_end_field(c, start);
                start = c->rec.len;
                after_quote = 0;
            } else if (ch == '\n' || ch == '\r') {
                break;
            } else if (ch == '"' && c->rec.len == start && !after_quote) {
                c->p++;
                quoted = 1;
            } else {
                c->p++;
                /* text after a closing quote ("ab"c) is kept, leniently */
                rc = csv_put(c, ch);
            }
            if (rc) break;
        }
        if (rc == ST_OK && quoted) {
            st_error_at(err, ST_EPARSE, c->name, c->rec_line, -1,
                        "unterminated quoted field (record starts on line %ld)", c->rec_line);
            return ST_EPARSE;
        }
        if (rc == ST_OK && c->nf >= ST_CSV_MAX_FIELDS) rc = ST_ELIMIT;
        if (rc == ST_OK) rc = csv_end_field(c, start);
        if (rc) {
            st_error_at(err, rc, c->name, c->rec_line, -1, "%s",
                        rc == ST_ELIMIT ? "record too large (over 4 MiB or 256 fields)"
                                        : "out of memory reading record");
            csv_skip_line(c);
            return rc;
        }
        /* consume the line end */
        if (c->p < c->end && *c->p == '\r') c->p++;
        if (c->p < c->end && *c->p == '\n') { c->p++; c->line++; }
        return 1;
    }
}

size_t st_csv_nfields(const st_csv *c) { return c->nf; }

const char *st_csv_field(const st_csv *c, size_t i) {
    if (i >= c->nf || !c->rec.data) return "";
    return c->rec.data + c->off[i];
}

size_t st_csv_field_len(const st_csv *c, size_t i) { return i < c->nf ? c->flen[i] : 0; }

long st_csv_line(const st_csv *c) { return c->rec_line; }

/*
 * csv.c - RFC 4180 reading with line tracking and encoding conversion, and
 * the one CSV field writer.
 *
 * Invariant: field[i] points into `rec`, a single buffer holding every
 * field of the current record separated by NULs; offsets are recorded
 * instead of pointers while rec grows, and resolved once the record ends.
 * A record starts at the beginning of a physical line (rec_start), which is
 * what lets a malformed record be skipped by resuming one line later.
 */
#include "core/csv.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/alloc.h"
#include "core/buf.h"

struct st_csv {
    const char *start, *p, *end;
    char *name;
    unsigned flags;
    long line;        /* current physical line (1-based) */
    long rec_line;    /* line the current record starts on */
    const char *rec_start; /* first byte of the current record: where a resync starts */
    size_t header_nf; /* ST_CSV_HEADER: fields in the header, 0 before it is read */
    size_t malformed; /* records reported malformed so far */
    int more;         /* st_csv_feed: input follows past end (each piece ends with a line end) */
    char *own;        /* st_csv_feed_own: start, writable */
    char *base;       /* the current record's fields: in own (fast path), else NULL (in rec) */
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
    c->start = c->p = data;
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

/* The shared rule for a malformed record: report it at the line it starts
 * on and go on at the next physical line.  Resuming where the parse gave up
 * would let one stray quote swallow every line up to the next quote (or the
 * end of the file) into one bad record; resuming at the next line loses at
 * most the lines that really belong to the bad record. */
static int csv_malformed(st_csv *c, st_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int csv_malformed(st_csv *c, st_error *err, int code, const char *fmt, ...) {
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    st_error_clear(err);
    st_error_at(err, code, c->name, c->rec_line, -1, "%s", why);
    const char *q = c->rec_start;
    while (q < c->end && *q != '\n' && *q != '\r') q++;
    if (q < c->end && *q == '\r') q++;
    c->line = c->rec_line;
    if (q < c->end && *q == '\n') { q++; c->line++; }
    c->p = q;
    c->nf = 0;
    st_buf_reset(&c->rec);
    c->malformed++;
    return code;
}

/* The common record: one physical line without stray CRs whose quotes, if
 * any, only enclose whole fields with no quote inside ("a,b" but not "a""b"
 * or 5'10"), in a reader that converts nothing.  Its fields are then the
 * runs between the commas outside quotes, less the enclosing quotes: one
 * pass finds commas, quotes and the line end (16 bytes at a time where
 * SSE2 is), the line is copied at once (or, input fed with
 * st_csv_feed_own, left where it is) and each field's end becomes its
 * NUL.  A test per byte was most of a large export's time in this reader.
 * 1 when read, 0 to let the general loop read it (from the same place:
 * nothing is consumed), or what csv_malformed returns for a wrong field
 * count, exactly as the general loop would. */
#define CSV_PLAIN_MAX (1u << 20)
#define CSV_PLAIN_QUOTES (2 * ST_CSV_MAX_FIELDS)

static _Atomic int csv_fast = 2; /* st_csv_fast_paths */

void st_csv_fast_paths(int level) { atomic_store(&csv_fast, level); }

#if defined(__x86_64__) && defined(__GNUC__)
#define CSV_AVX2 1
/* The scan below, 32 bytes at a time where the processor has AVX2 (the
 * line scan is most of what an export's reader spends): 1 the line end
 * found (*n), 0 not in the whole 32-byte blocks (the narrower loops go on
 * from *pi), -1 a line the fast path leaves to the general loop. */
__attribute__((target("avx2"))) static int csv_scan_avx2(const char *s, size_t len, size_t *pi, size_t *n,
                                                         size_t *comma, size_t *ncomma, size_t *quote,
                                                         size_t *nquote, size_t *ncr, size_t *cr_at) {
    typedef char v32 __attribute__((vector_size(32)));
    /* the counts in locals, stored once: through the pointers, every
     * store to comma[] made the compiler reload them */
    size_t i = *pi, nc = *ncomma, nq = *nquote;
    int r = 0;
    for (; i + 32 <= len; i += 32) {
        if (i >= CSV_PLAIN_MAX) {
            r = -1;
            break;
        }
        v32 v;
        memcpy(&v, s + i, 32);
        v32 nl = (v32)(v == '\n'), cr = (v32)(v == '\r'), cm = (v32)(v == ','), qt = (v32)(v == '"');
        unsigned m_nl = (unsigned)__builtin_ia32_pmovmskb256(nl);
        unsigned before = m_nl ? (m_nl & (0u - m_nl)) - 1 : 0xFFFFFFFFu;
        unsigned m_cr = (unsigned)__builtin_ia32_pmovmskb256(cr) & before;
        unsigned m_comma = (unsigned)__builtin_ia32_pmovmskb256(cm) & before;
        unsigned m_quote = (unsigned)__builtin_ia32_pmovmskb256(qt) & before;
        if (m_cr) {
            *ncr += (size_t)__builtin_popcount(m_cr);
            *cr_at = i + 31 - (size_t)__builtin_clz(m_cr);
        }
        if (nc + (size_t)__builtin_popcount(m_comma) > CSV_PLAIN_QUOTES ||
            nq + (size_t)__builtin_popcount(m_quote) > CSV_PLAIN_QUOTES) {
            r = -1;
            break;
        }
        for (; m_comma; m_comma &= m_comma - 1) comma[nc++] = i + (size_t)__builtin_ctz(m_comma);
        for (; m_quote; m_quote &= m_quote - 1) quote[nq++] = i + (size_t)__builtin_ctz(m_quote);
        if (m_nl) {
            *n = i + (size_t)__builtin_ctz(m_nl);
            r = 1;
            break;
        }
    }
    *pi = i;
    *ncomma = nc;
    *nquote = nq;
    return r;
}

static int csv_have_avx2(void) {
    static _Atomic int have = -1; /* readers on several threads: each would compute the same */
    if (atomic_load_explicit(&csv_fast, memory_order_relaxed) < 2) return 0;
    int h = atomic_load_explicit(&have, memory_order_relaxed);
    if (h < 0) {
        h = __builtin_cpu_supports("avx2") ? 1 : 0;
        atomic_store_explicit(&have, h, memory_order_relaxed);
    }
    return h;
}
#endif

static int csv_next_plain(st_csv *c, st_error *err) {
    const char *s = c->p;
    size_t len = (size_t)(c->end - c->p), i = 0, n = len, ncomma = 0, nquote = 0, ncr = 0, cr_at = 0;
    /* comma[] and quote[] end with a sentinel past the line */
    size_t comma[CSV_PLAIN_QUOTES + 1], quote[CSV_PLAIN_QUOTES + 1];
#ifdef CSV_AVX2
    if (csv_have_avx2()) {
        int r = csv_scan_avx2(s, len, &i, &n, comma, &ncomma, quote, &nquote, &ncr, &cr_at);
        if (r < 0) return 0;
        if (r > 0) goto found;
    }
#endif
#ifdef __SSE2__
    const __m128i v_comma = _mm_set1_epi8(','), v_quote = _mm_set1_epi8('"'), v_cr = _mm_set1_epi8('\r'),
                  v_nl = _mm_set1_epi8('\n');
    for (; i + 16 <= len; i += 16) {
        if (i >= CSV_PLAIN_MAX) return 0;
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        unsigned m_nl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, v_nl));
        unsigned before = m_nl ? (m_nl & (0u - m_nl)) - 1 : 0xFFFFu; /* the bytes before the line end */
        unsigned m_cr = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, v_cr)) & before;
        unsigned m_comma = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, v_comma)) & before;
        unsigned m_quote = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, v_quote)) & before;
        if (m_cr) {
            ncr += (size_t)__builtin_popcount(m_cr);
            cr_at = i + 31 - (size_t)__builtin_clz(m_cr);
        }
        for (; m_comma; m_comma &= m_comma - 1) {
            if (ncomma >= CSV_PLAIN_QUOTES) return 0;
            comma[ncomma++] = i + (size_t)__builtin_ctz(m_comma);
        }
        for (; m_quote; m_quote &= m_quote - 1) {
            if (nquote >= CSV_PLAIN_QUOTES) return 0;
            quote[nquote++] = i + (size_t)__builtin_ctz(m_quote);
        }
        if (m_nl) {
            n = i + (size_t)__builtin_ctz(m_nl);
            goto found;
        }
    }
#endif
    for (; i < len; i++) {
        char ch = s[i];
        if (ch == '\n') {
            n = i;
            break;
        }
        if (ch == '\r') ncr++, cr_at = i;
        if (ch == ',') {
            if (ncomma >= CSV_PLAIN_QUOTES) return 0;
            comma[ncomma++] = i;
        }
        if (ch == '"') {
            if (nquote >= CSV_PLAIN_QUOTES) return 0;
            quote[nquote++] = i;
        }
    }
#if defined(__SSE2__) || defined(CSV_AVX2)
found:
#endif
    /* no line end in a piece that is not the last: the general loop asks for more */
    if (n >= CSV_PLAIN_MAX || (c->more && n == len)) return 0;
    size_t rn = n;
    if (ncr) { /* only a CRLF line end */
        if (ncr > 1 || cr_at != n - 1) return 0;
        rn = n - 1;
    }
    comma[ncomma] = quote[nquote] = SIZE_MAX;
    /* the fields: [start, end) of the line, the quotes left out */
    size_t nf = 0, ci = 0, qi = 0, pos = 0;
    for (;;) {
        size_t start = pos, end;
        if (nf >= ST_CSV_MAX_FIELDS) return 0; /* the general loop reports it */
        if (quote[qi] == pos) { /* "...": the next quote closes it, then a comma or the end */
            size_t close = quote[qi + 1];
            if (close >= rn || (close + 1 < rn && s[close + 1] != ',')) return 0;
            start = pos + 1;
            end = close;
            qi += 2;
            while (comma[ci] < close) ci++;
            pos = close + 1;
        } else {
            end = comma[ci] < rn ? comma[ci] : rn;
            if (quote[qi] < end) return 0; /* a quote inside an unquoted field */
            pos = end;
        }
        c->off[nf] = start;
        c->flen[nf] = end - start;
        nf++;
        if (pos >= rn) break;
        ci++; /* the comma at pos */
        pos++;
        if (pos == rn) { /* a trailing comma: one more, empty field */
            if (nf >= ST_CSV_MAX_FIELDS) return 0;
            c->off[nf] = rn;
            c->flen[nf] = 0;
            nf++;
            break;
        }
    }
    /* a wrong count is reported (and resynchronised over the line) before
     * anything is written in place */
    if ((c->flags & ST_CSV_HEADER) && c->header_nf && nf != c->header_nf)
        return csv_malformed(c, err, ST_EPARSE, "%zu fields where the header has %zu", nf, c->header_nf);
    char *d;
    /* in place when the input is the caller's to write and a line end
     * follows (its byte becomes the last field's NUL), else a copy */
    if (c->own && rn < len) d = c->own + (s - c->start);
    else if (st_buf_append(&c->rec, s, rn) || st_buf_putc(&c->rec, 0)) {
        st_buf_reset(&c->rec);
        return 0;
    } else
        d = c->rec.data;
    c->base = d == c->rec.data ? NULL : d;
    c->nf = nf;
    c->p += rn;
    int cr = c->p < c->end && *c->p == '\r'; /* the line end, read before a NUL takes its place */
    for (size_t k = 0; k < nf; k++) d[c->off[k] + c->flen[k]] = 0;
    if ((c->flags & ST_CSV_HEADER) && !c->header_nf) c->header_nf = c->nf;
    if (cr) c->p++;
    if (c->p < c->end && (*c->p == '\n' || (c->base && !cr && *c->p == 0))) { c->p++; c->line++; }
    return 1;
}

int st_csv_next(st_csv *c, st_error *err) {
    /* skip blank lines and a trailing DOS end-of-file byte */
    while (c->p < c->end && (*c->p == '\r' || *c->p == '\n' || *c->p == 0x1A)) {
        if (*c->p == '\n') c->line++;
        c->p++;
    }
    if (c->p >= c->end) {
        if (!c->more) return 0;
        c->rec_line = c->line; /* where the next piece starts */
        return ST_CSV_MORE;
    }
    c->rec_line = c->line;
    c->rec_start = c->p;
    st_buf_reset(&c->rec);
    c->nf = 0;
    c->base = NULL;
    if (!(c->flags & (ST_CSV_CP1252 | ST_CSV_TRIM)) && atomic_load_explicit(&csv_fast, memory_order_relaxed) > 0) {
        int fast = csv_next_plain(c, err);
        if (fast) return fast;
    }
    int quoted = 0, after_quote = 0, rc = ST_OK;
    size_t start = 0;
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p;
        if (quoted) {
            if (ch != '"' && ch != '\n' && (ch < 0x80 || !(c->flags & ST_CSV_CP1252))) {
                /* a run of plain bytes inside quotes, appended at once */
                const char *q = c->p + 1;
                while (q < c->end && *q != '"' && *q != '\n' &&
                       ((unsigned char)*q < 0x80 || !(c->flags & ST_CSV_CP1252)))
                    q++;
                rc = st_buf_append(&c->rec, c->p, (size_t)(q - c->p));
                c->p = q;
                if (rc) break;
                continue;
            }
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
            if (c->nf >= ST_CSV_MAX_FIELDS)
                return csv_malformed(c, err, ST_ELIMIT, "more than %d fields", ST_CSV_MAX_FIELDS);
            rc = csv_end_field(c, start);
            start = c->rec.len;
            after_quote = 0;
        } else if (ch == '\n' || ch == '\r') {
            break;
        } else if (after_quote) {
            /* "ab"c: the quote that closed the field was not the end of it,
             * which is what an unterminated quote earlier in the file looks
             * like when it pairs with the next quote; blanks are allowed
             * when fields are trimmed anyway */
            if ((c->flags & ST_CSV_TRIM) && (ch == ' ' || ch == '\t')) { c->p++; continue; }
            char what[16];
            if (ch >= 0x20 && ch < 0x7F) snprintf(what, sizeof what, "'%c'", ch);
            else snprintf(what, sizeof what, "byte 0x%02X", ch);
            if (c->line > c->rec_line)
                return csv_malformed(c, err, ST_EPARSE,
                                     "unterminated quoted field (the next quote, on line %ld, is followed by %s)",
                                     c->line, what);
            return csv_malformed(c, err, ST_EPARSE, "%s after a closing quote", what);
        } else if (ch == '"' && c->rec.len == start) {
            c->p++;
            quoted = 1;
        } else if (ch != '"' && (ch < 0x80 || !(c->flags & ST_CSV_CP1252))) {
            /* a run of plain bytes of an unquoted field, appended at once
             * (a byte at a time was a third of reading a large export) */
            const char *q = c->p + 1;
            while (q < c->end && *q != ',' && *q != '\n' && *q != '\r' && *q != '"' &&
                   ((unsigned char)*q < 0x80 || !(c->flags & ST_CSV_CP1252)))
                q++;
            rc = st_buf_append(&c->rec, c->p, (size_t)(q - c->p));
            c->p = q;
        } else {
            c->p++;
            rc = csv_put(c, ch); /* a quote inside an unquoted field (5'10") is text */
        }
        if (rc) break;
    }
    if (rc == ST_OK && c->more && c->p >= c->end) {
        /* the record may go on in the next piece: read again from its
         * start then, as if the input had been whole */
        c->p = c->rec_start;
        c->line = c->rec_line;
        c->nf = 0;
        st_buf_reset(&c->rec);
        return ST_CSV_MORE;
    }
    if (rc == ST_OK && quoted) return csv_malformed(c, err, ST_EPARSE, "unterminated quoted field");
    if (rc == ST_OK && c->nf >= ST_CSV_MAX_FIELDS)
        return csv_malformed(c, err, ST_ELIMIT, "more than %d fields", ST_CSV_MAX_FIELDS);
    if (rc == ST_OK) rc = csv_end_field(c, start);
    if (rc == ST_ELIMIT)
        return csv_malformed(c, err, rc, "record longer than %zu MiB", c->rec.max >> 20);
    if (rc) return csv_malformed(c, err, rc, "out of memory reading the record");
    if ((c->flags & ST_CSV_HEADER) && c->header_nf && c->nf != c->header_nf)
        return csv_malformed(c, err, ST_EPARSE, "%zu fields where the header has %zu", c->nf, c->header_nf);
    if ((c->flags & ST_CSV_HEADER) && !c->header_nf) c->header_nf = c->nf;
    /* consume the line end */
    if (c->p < c->end && *c->p == '\r') c->p++;
    if (c->p < c->end && *c->p == '\n') { c->p++; c->line++; }
    return 1;
}

size_t st_csv_nfields(const st_csv *c) { return c->nf; }

const char *st_csv_field(const st_csv *c, size_t i) {
    if (i >= c->nf) return "";
    if (c->base) return c->base + c->off[i];
    return c->rec.data ? c->rec.data + c->off[i] : "";
}

size_t st_csv_field_len(const st_csv *c, size_t i) { return i < c->nf ? c->flen[i] : 0; }

long st_csv_line(const st_csv *c) { return c->rec_line; }

size_t st_csv_malformed(const st_csv *c) { return c->malformed; }

size_t st_csv_consumed(const st_csv *c) { return (size_t)(c->p - c->start); }

void st_csv_max_record(st_csv *c, size_t bytes) { c->rec.max = bytes; }

void st_csv_feed(st_csv *c, const char *data, size_t len, int more) {
    c->start = c->p = data;
    c->end = data + len;
    c->more = more;
    c->own = NULL;
    c->base = NULL;
}

void st_csv_feed_own(st_csv *c, char *data, size_t len, int more) {
    st_csv_feed(c, data, len, more);
    c->own = data;
}

/* ---- writing ---------------------------------------------------------- */

/* One writer for both destinations, so the quoting rule exists once. */
typedef struct csv_sink {
    FILE *f;
    st_buf *b;
    int rc;
} csv_sink;

static void sink_put(csv_sink *k, const char *p, size_t n) {
    if (k->rc || !n) return;
    if (k->b) k->rc = st_buf_append(k->b, p, n);
    else if (fwrite(p, 1, n, k->f) != n) k->rc = ST_EIO;
}

/* A spreadsheet takes a cell starting with one of these as a formula (or,
 * TAB and CR, strips them and looks again). */
static int csv_risky(const char *s) { return s[0] && strchr("=+-@\t\r", s[0]) != NULL; }

static int csv_write(csv_sink *k, const char *s, unsigned flags) {
    if (!s) s = "";
    int guard = !(flags & ST_CSV_VERBATIM) && csv_risky(s);
    if (!guard && !strpbrk(s, ",\"\r\n")) {
        sink_put(k, s, strlen(s));
        return k->rc;
    }
    sink_put(k, "\"", 1);
    if (guard) sink_put(k, "'", 1);
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        sink_put(k, s, (size_t)(q - s) + 1);
        sink_put(k, "\"", 1);
    }
    sink_put(k, s, strlen(s));
    sink_put(k, "\"", 1);
    return k->rc;
}

int st_csv_write_field(FILE *f, const char *s, unsigned flags) {
    csv_sink k = {f, NULL, ST_OK};
    return csv_write(&k, s, flags);
}

int st_csv_buf_field(st_buf *b, const char *s, unsigned flags) {
    csv_sink k = {NULL, b, ST_OK};
    return csv_write(&k, s, flags);
}

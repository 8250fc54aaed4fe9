/*
 * output.c - a screening result per record in the three formats users
 * read: JSON lines (one object per input record), CSV (one row per
 * candidate) and an aligned table.
 *
 * Design: JSON lines are written straight into one buffer, byte for byte
 * what jansson's json_dumps(JSON_COMPACT) writes for the same objects, and
 * flushed every MiB, so a million records do not build a million JSON
 * trees; CSV text goes through the one guarded field writer (core/csv.c:
 * quoting, and a leading ' before a spreadsheet formula).  The writer owns
 * only its buffers; the FILE stays the caller's.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/csv.h"
#include "sanctrace/screen.h"

struct st_screen_writer {
    FILE *f;
    st_screen_format fmt;
    st_buf jb;  /* JSON lines waiting to be written */
    st_buf tmp; /* one CSV field being assembled */
    int failed;
};

/* ---- JSON lines: jansson's compact form (keys in insertion order, reals
 * as %.17g with ".0" added, the same escapes), without a tree ---------- */

/* Length of the valid UTF-8 in s (jansson refuses anything else), or
 * (size_t)-1 when s is not valid UTF-8. */
static size_t utf8_len(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (p[n]) {
        unsigned c = p[n], k, cp;
        if (c < 0x80) { n++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { k = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { k = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { k = 3; cp = c & 0x07; }
        else return (size_t)-1;
        for (unsigned i = 1; i <= k; i++) {
            if ((p[n + i] & 0xC0) != 0x80) return (size_t)-1;
            cp = (cp << 6) | (p[n + i] & 0x3F);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return (size_t)-1;
        n += k + 1;
    }
    return n;
}

static void jw_str(st_buf *b, const char *s, size_t n) {
    st_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        st_buf_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': st_buf_append(b, "\\\"", 2); break;
        case '\\': st_buf_append(b, "\\\\", 2); break;
        case '\b': st_buf_append(b, "\\b", 2); break;
        case '\f': st_buf_append(b, "\\f", 2); break;
        case '\n': st_buf_append(b, "\\n", 2); break;
        case '\r': st_buf_append(b, "\\r", 2); break;
        case '\t': st_buf_append(b, "\\t", 2); break;
        default: st_buf_printf(b, "\\u%04X", c); break;
        }
    }
    st_buf_append(b, s + run, n - run);
    st_buf_putc(b, '"');
}

static void jw_real(st_buf *b, double v) {
    char t[64];
    int n = snprintf(t, sizeof t, "%.17g", v);
    if (n < 0 || n >= (int)sizeof t - 3) return;
    if (!strchr(t, '.') && !strchr(t, 'e')) { t[n++] = '.'; t[n++] = '0'; t[n] = 0; }
    char *e = strchr(t, 'e');
    if (e) { /* no '+' and no leading zeros in the exponent */
        char *start = e + 1, *end = start + 1;
        if (*start == '-') start++;
        while (*end == '0') end++;
        if (end != start) memmove(start, end, (size_t)(t + n + 1 - end));
    }
    st_buf_puts(b, t);
}

/* "key":"value", or nothing when value is not valid UTF-8 (jansson drops it). */
static void jw_key_str(st_buf *b, int *first, const char *key, const char *v) {
    size_t n = v ? utf8_len(v) : (size_t)-1;
    if (n == (size_t)-1) return;
    if (!*first) st_buf_putc(b, ',');
    *first = 0;
    jw_str(b, key, strlen(key));
    st_buf_putc(b, ':');
    jw_str(b, v, n);
}

static void jw_value(st_buf *b, const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        int first = 1;
        st_buf_putc(b, '{');
        json_object_foreach((json_t *)(uintptr_t)v, k, x) {
            if (!first) st_buf_putc(b, ',');
            first = 0;
            jw_str(b, k, strlen(k));
            st_buf_putc(b, ':');
            jw_value(b, x);
        }
        st_buf_putc(b, '}');
        break;
    }
    case JSON_ARRAY:
        st_buf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) st_buf_putc(b, ',');
            jw_value(b, json_array_get(v, i));
        }
        st_buf_putc(b, ']');
        break;
    case JSON_STRING: jw_str(b, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: st_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL: jw_real(b, json_real_value(v)); break;
    case JSON_TRUE: st_buf_puts(b, "true"); break;
    case JSON_FALSE: st_buf_puts(b, "false"); break;
    default: st_buf_puts(b, "null"); break;
    }
}

static void jw_match(st_buf *b, const st_match *m) {
    const st_entity *e = m->entity;
    int first = 1;
    st_buf_putc(b, '{');
    jw_key_str(b, &first, "entity", e->id);
    st_buf_puts(b, first ? "\"score\":" : ",\"score\":");
    first = 0;
    jw_real(b, (double)(long)(m->score * 10000 + 0.5) / 10000);
    st_buf_puts(b, m->match ? ",\"match\":true" : ",\"match\":false");
    jw_key_str(b, &first, "caption", e->caption ? e->caption : e->id);
    jw_key_str(b, &first, "name", m->name ? m->name : "");
    jw_key_str(b, &first, "schema", st_schema_name(e->schema));
    st_buf_puts(b, ",\"lists\":[");
    const char *src = e->source ? e->source : "";
    if (utf8_len(src) != (size_t)-1) jw_str(b, src, strlen(src));
    st_buf_puts(b, "],\"programs\":[");
    int pf = 1;
    for (size_t i = 0; i < e->n_programs; i++) {
        size_t n = utf8_len(e->programs[i]);
        if (n == (size_t)-1) continue;
        if (!pf) st_buf_putc(b, ',');
        pf = 0;
        jw_str(b, e->programs[i], n);
    }
    st_buf_puts(b, "],\"explanation\":");
    if (m->explanation) jw_value(b, m->explanation);
    else st_buf_puts(b, "{}");
    st_buf_putc(b, '}');
}

static void jw_record(st_buf *b, const st_screen_record *r, const st_match *m, size_t n, const char *error) {
    int first = 1;
    st_buf_putc(b, '{');
    jw_key_str(b, &first, "id", r->id);
    if (error) jw_key_str(b, &first, "error", error);
    st_buf_puts(b, first ? "\"matches\":[" : ",\"matches\":[");
    for (size_t k = 0; k < n; k++) {
        if (k) st_buf_putc(b, ',');
        jw_match(b, &m[k]);
    }
    st_buf_puts(b, "]}\n");
}

/* ---- CSV and table ---------------------------------------------------- */

static void csv_rows(st_screen_writer *w, const st_screen_record *r, const st_match *ms, size_t n, const char *error) {
    FILE *f = w->f;
    if (error || !n) {
        st_csv_write_field(f, r->id, 0);
        fputs(",0,,,,,,,,,", f);
        st_csv_write_field(f, error, 0);
        fputc('\n', f);
    }
    for (size_t k = 0; k < n; k++) {
        const st_match *m = &ms[k];
        st_csv_write_field(f, r->id, 0);
        fprintf(f, ",%zu,", k + 1);
        st_csv_write_field(f, m->entity->id, 0);
        fprintf(f, ",%.4f,%s,", m->score, m->match ? "true" : "false");
        st_csv_write_field(f, m->entity->caption, 0);
        fputc(',', f);
        st_csv_write_field(f, m->name, 0);
        fprintf(f, ",%s,", st_schema_name(m->entity->schema));
        st_csv_write_field(f, m->entity->source, 0);
        fputc(',', f);
        st_buf_reset(&w->tmp); /* one field: the programmes joined with ';' */
        for (size_t p = 0; p < m->entity->n_programs; p++) {
            if (p) st_buf_putc(&w->tmp, ';');
            st_buf_puts(&w->tmp, m->entity->programs[p]);
        }
        st_csv_write_field(f, w->tmp.data, 0);
        fputs(",\n", f);
    }
}

static void table_rows(FILE *f, const st_screen_record *r, const st_match *ms, size_t n, const char *error) {
    fprintf(f, "%s", r->id);
    if (r->name) fprintf(f, "  \"%s\"", r->name);
    if (r->wallet) fprintf(f, "  wallet %s", r->wallet);
    if (r->id_number) fprintf(f, "  id %s", r->id_number);
    fputc('\n', f);
    if (error) fprintf(f, "    error: %s\n", error);
    else if (!n) fprintf(f, "    no match\n");
    for (size_t k = 0; k < n; k++) {
        const st_match *m = &ms[k];
        fprintf(f, "    %s %.3f  %-18s %s", m->match ? "MATCH" : "     ", m->score, m->entity->id,
                m->entity->caption ? m->entity->caption : "");
        if (m->name && m->entity->caption && strcmp(m->name, m->entity->caption))
            fprintf(f, "  (as \"%s\")", m->name);
        fprintf(f, "  [%s", st_schema_name(m->entity->schema));
        for (size_t p = 0; p < m->entity->n_programs && p < 4; p++) fprintf(f, " %s", m->entity->programs[p]);
        fprintf(f, "]\n");
    }
}

/* ---- the writer -------------------------------------------------------- */

int st_screen_format_parse(const char *name, st_screen_format *out) {
    if (!strcmp(name, "table")) *out = ST_SCREEN_TABLE;
    else if (!strcmp(name, "jsonl")) *out = ST_SCREEN_JSONL;
    else if (!strcmp(name, "csv")) *out = ST_SCREEN_CSV;
    else return ST_EINVAL;
    return ST_OK;
}

int st_screen_writer_new(st_screen_writer **out, FILE *f, st_screen_format fmt) {
    st_screen_writer *w = st_calloc(1, sizeof *w);
    if (!w) return ST_ENOMEM;
    w->f = f;
    w->fmt = fmt;
    st_buf_init(&w->jb, (size_t)1 << 30);
    st_buf_init(&w->tmp, (size_t)64 << 20);
    if (fmt == ST_SCREEN_CSV) fputs("id,rank,entity,score,match,caption,name,schema,lists,programs,error\n", f);
    *out = w;
    return ST_OK;
}

int st_screen_writer_put(st_screen_writer *w, const st_screen_record *r, const st_match *m, size_t n,
                         const char *error) {
    if (w->fmt == ST_SCREEN_JSONL) {
        jw_record(&w->jb, r, m, n, error);
        if (w->jb.failed) w->failed = 1; /* a record that did not fit: never write half of one */
        if (w->jb.len >= ((size_t)1 << 20)) {
            if (fwrite(w->jb.data, 1, w->jb.len, w->f) != w->jb.len) w->failed = 1;
            st_buf_reset(&w->jb);
        }
    } else if (w->fmt == ST_SCREEN_CSV) {
        csv_rows(w, r, m, n, error);
        if (w->tmp.failed) w->failed = 1;
    } else {
        table_rows(w->f, r, m, n, error);
    }
    return w->failed || ferror(w->f) ? ST_EIO : ST_OK;
}

int st_screen_writer_close(st_screen_writer *w) {
    if (!w) return ST_OK;
    int failed = w->failed;
    if (w->jb.len && fwrite(w->jb.data, 1, w->jb.len, w->f) != w->jb.len) failed = 1;
    if (fflush(w->f) != 0 || ferror(w->f)) failed = 1;
    st_buf_free(&w->jb);
    st_buf_free(&w->tmp);
    st_free(w);
    return failed ? ST_EIO : ST_OK;
}

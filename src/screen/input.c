/*
 * input.c - CSV-with-header and JSON-lines readers for screening input.
 *
 * Invariant: every input record yields exactly one st_screen_record, in
 * input order, so output lines up one-to-one with input.  A malformed
 * record (core/csv.h states the rule; for JSON lines, a line that is not
 * one JSON object of text fields) is kept as a record with `error` set and
 * reading goes on at the next line, so no record after it is lost.
 */
#include "sanctrace/screen.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/csv.h"

#define INPUT_MAX_RECORDS 50000000u

enum { F_ID, F_NAME, F_WALLET, F_IDNUM, F_SCHEMA, F_DOB, F_NAT, F_COUNTRY, F_ADDRESS, F_COUNT };
static const char *const field_names[F_COUNT][4] = {
    [F_ID] = {"id", "customer_id", "ref", NULL},
    [F_NAME] = {"name", "full_name", NULL},
    [F_WALLET] = {"wallet", "address_crypto", "public_key", "publickey"},
    [F_IDNUM] = {"id_number", "passport", "idnumber", "registration"},
    [F_SCHEMA] = {"schema", "type", NULL},
    [F_DOB] = {"birth_date", "dob", "birthdate", NULL},
    [F_NAT] = {"nationality", NULL},
    [F_COUNTRY] = {"country", NULL},
    [F_ADDRESS] = {"address", NULL},
};

static int field_of(const char *h) {
    for (int f = 0; f < F_COUNT; f++)
        for (int k = 0; k < 4 && field_names[f][k]; k++)
            if (strcasecmp(h, field_names[f][k]) == 0) return f;
    return -1;
}

static char **rec_slot(st_screen_record *r, int f) {
    switch (f) {
    case F_ID: return &r->id;
    case F_NAME: return &r->name;
    case F_WALLET: return &r->wallet;
    case F_IDNUM: return &r->id_number;
    case F_SCHEMA: return &r->schema;
    case F_DOB: return &r->birth_date;
    case F_NAT: return &r->nationality;
    case F_COUNTRY: return &r->country;
    default: return &r->address;
    }
}

static int is_blank(const char *s) {
    if (!s) return 1;
    while (*s && isspace((unsigned char)*s)) s++;
    return *s == 0;
}

static int rec_set(st_screen_record *r, int f, const char *v, size_t n) {
    while (n && isspace((unsigned char)*v)) { v++; n--; }
    while (n && isspace((unsigned char)v[n - 1])) n--;
    if (!n) return ST_OK;
    char **slot = rec_slot(r, f);
    st_free(*slot);
    *slot = st_strndup(v, n);
    return *slot ? ST_OK : ST_ENOMEM;
}

static int rec_error(st_screen_record *r, const char *msg) {
    st_free(r->error);
    r->error = st_strdup(msg);
    return r->error ? ST_OK : ST_ENOMEM;
}

/* Finish a record: default id, and the "nothing to screen" check. */
static int rec_finish(st_screen_record *r) {
    if (!r->id) {
        char b[32];
        r->id_default = 1;
        snprintf(b, sizeof b, "line:%ld", r->line);
        if (!(r->id = st_strdup(b))) return ST_ENOMEM;
    }
    if (!r->error && is_blank(r->name) && is_blank(r->wallet) && is_blank(r->id_number))
        return rec_error(r, "nothing to screen: the record has no name, wallet or id_number");
    return ST_OK;
}

static int input_push(st_screen_input *in, size_t *cap, st_screen_record **out) {
    if (in->n >= INPUT_MAX_RECORDS) return ST_ELIMIT;
    if (in->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        st_screen_record *p = st_realloc(in->recs, nc * sizeof *p);
        if (!p) return ST_ENOMEM;
        in->recs = p;
        *cap = nc;
    }
    *out = &in->recs[in->n++];
    memset(*out, 0, sizeof **out);
    return ST_OK;
}

static int parse_csv(const char *data, size_t len, const char *name, st_screen_input *out,
                     st_error *err) {
    st_csv *c = NULL;
    int rc = st_csv_open(&c, data, len, name, ST_CSV_TRIM | ST_CSV_HEADER);
    if (rc) return st_error_set(err, rc, "out of memory");
    int map[ST_CSV_MAX_FIELDS];
    size_t ncols = 0, cap = 0;
    rc = st_csv_next(c, err);
    if (rc != 1) {
        if (rc == 0) rc = st_error_at(err, ST_EPARSE, name, 1, -1, "empty input: expected a CSV header or JSON lines");
        else if (rc != ST_ENOMEM) rc = ST_EPARSE; /* a bad header: nothing can be read */
        goto done;
    }
    int screenable = 0;
    ncols = st_csv_nfields(c);
    for (size_t i = 0; i < ncols; i++) {
        map[i] = field_of(st_csv_field(c, i));
        if (map[i] == F_ID) out->id_column = 1;
        if (map[i] == F_NAME || map[i] == F_WALLET || map[i] == F_IDNUM) screenable = 1;
    }
    if (!screenable) {
        rc = st_error_at(err, ST_EPARSE, name, 1, -1,
                         "CSV header has no 'name', 'wallet' or 'id_number' column");
        goto done;
    }
    for (;;) {
        st_error rerr;
        st_error_clear(&rerr);
        int r = st_csv_next(c, &rerr);
        if (r == 0) break;
        if (r == ST_ENOMEM) { rc = r; goto done; }
        st_screen_record *rec;
        if ((rc = input_push(out, &cap, &rec)) != ST_OK) goto done;
        if (r < 0) {
            /* malformed: the reader has moved on to the next line; the
             * record stays in the output, with its line and the reason */
            rec->line = rerr.line;
            rec->malformed = 1;
            if ((rc = rec_error(rec, rerr.msg)) || (rc = rec_finish(rec))) goto done;
            continue;
        }
        rec->line = st_csv_line(c);
        for (size_t i = 0; i < ncols; i++)
            if (map[i] >= 0 && (rc = rec_set(rec, map[i], st_csv_field(c, i), st_csv_field_len(c, i))))
                goto done;
        if ((rc = rec_finish(rec))) goto done;
    }
    rc = ST_OK;
done:
    st_csv_close(c);
    if (rc == ST_ENOMEM) st_error_set(err, rc, "out of memory reading %s", name);
    else if (rc == ST_ELIMIT) st_error_set(err, rc, "%s: more than %u records", name, INPUT_MAX_RECORDS);
    return rc;
}

static int parse_jsonl(const char *data, size_t len, const char *name, st_screen_input *out,
                       st_error *err) {
    size_t cap = 0;
    out->id_column = 1;
    long line = 0;
    const char *p = data, *end = data + len;
    int rc = ST_OK;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        const char *s = p;
        p = nl ? nl + 1 : end;
        while (s < le && isspace((unsigned char)*s)) s++;
        if (s == le) continue;
        st_screen_record *rec;
        if ((rc = input_push(out, &cap, &rec)) != ST_OK) return st_error_set(err, rc, "too many records");
        rec->line = line;
        json_error_t je;
        json_t *o = json_loadb(s, (size_t)(le - s), JSON_REJECT_DUPLICATES, &je);
        if (!o || !json_is_object(o)) {
            char msg[400];
            if (o) snprintf(msg, sizeof msg, "expected a JSON object");
            else snprintf(msg, sizeof msg, "invalid JSON at column %d: %s", je.column, je.text);
            json_decref(o);
            rec->malformed = 1;
            if ((rc = rec_error(rec, msg)) || (rc = rec_finish(rec))) break;
            continue;
        }
        const char *key;
        json_t *v;
        json_object_foreach(o, key, v) {
            int f = field_of(key);
            if (f < 0) continue;
            char num[64];
            const char *str = NULL;
            if (json_is_string(v)) str = json_string_value(v);
            else if (json_is_integer(v)) { snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)); str = num; }
            else if (json_is_array(v) && json_array_size(v) && json_is_string(json_array_get(v, 0)))
                str = json_string_value(json_array_get(v, 0));
            else if (!json_is_null(v)) {
                char msg[200];
                snprintf(msg, sizeof msg, "field '%.100s' must be a string", key);
                rec->malformed = 1;
                if ((rc = rec_error(rec, msg))) break;
                continue;
            }
            if (str && (rc = rec_set(rec, f, str, strlen(str)))) break;
        }
        json_decref(o);
        if (rc || (rc = rec_finish(rec))) break;
    }
    if (rc) st_error_set(err, rc, "out of memory reading %s", name);
    return rc;
}

int st_screen_input_parse(const char *data, size_t len, const char *name,
                          st_screen_input *out, st_error *err) {
    memset(out, 0, sizeof *out);
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) i = 3;
    while (i < len && isspace((unsigned char)data[i])) i++;
    int rc = (i < len && data[i] == '{') ? parse_jsonl(data, len, name, out, err)
                                         : parse_csv(data, len, name, out, err);
    if (rc) st_screen_input_free(out);
    return rc;
}

void st_screen_input_free(st_screen_input *in) {
    for (size_t i = 0; i < in->n; i++) {
        st_screen_record *r = &in->recs[i];
        for (int f = 0; f < F_COUNT; f++) st_free(*rec_slot(r, f));
        st_free(r->error);
    }
    st_free(in->recs);
    memset(in, 0, sizeof *in);
}

void st_screen_record_query(const st_screen_record *rec, st_query *q) {
    memset(q, 0, sizeof *q);
    q->name = rec->name;
    q->wallet = rec->wallet;
    q->id_number = rec->id_number;
    q->schema = rec->schema;
    q->birth_date = rec->birth_date;
    q->nationality = rec->nationality;
    q->country = rec->country;
}

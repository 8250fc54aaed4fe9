/*
 * request.c - request bodies to srv_query values (see request.h).
 *
 * FollowTheMoney properties map onto the engine's query fields here:
 * name/alias/previousName (or firstName + lastName) are names, birthDate,
 * nationality/citizenship, country/jurisdiction, the identifier
 * properties, and publicKey for CryptoWallet.  Unknown properties are
 * ignored, as yente does; known ones must be strings or string arrays.
 */
#include "server/request.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "core/alloc.h"
#include "core/sha256.h"
#include "server/db.h"

static int fail(srv_fail *f, int status, const char *error, const char *fmt, const char *a,
                const char *b) {
    f->status = status;
    f->error = error;
    snprintf(f->detail, sizeof f->detail, fmt, a ? a : "", b ? b : "");
    return status;
}

json_t *srv_json_parse(const char *body, size_t len, srv_fail *f) {
    json_error_t je;
    if (!body || len == 0) {
        fail(f, 400, "invalid_json", "the request body is empty; expected a JSON object%s%s", NULL, NULL);
        return NULL;
    }
    json_t *v = json_loadb(body, len, 0, &je);
    if (!v) {
        f->status = 400;
        f->error = "invalid_json";
        snprintf(f->detail, sizeof f->detail, "line %d, column %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        fail(f, 422, "invalid_request", "expected a JSON object at the top level%s%s", NULL, NULL);
        return NULL;
    }
    return v;
}

int srv_query_empty(const srv_query *q) {
    return q->n_names == 0 && q->n_wallets == 0 && q->n_id_numbers == 0;
}

/* Which query field a FollowTheMoney property feeds; NULL when none. */
static const char **prop_slot(srv_query *q, const char *prop, int **count) {
    static const char *const names[] = {"name", "alias", "previousName", "weakAlias", NULL};
    static const char *const ids[] = {"idNumber", "passportNumber", "registrationNumber",
                                      "imoNumber", "mmsi", "taxNumber", "swiftBic", "leiCode",
                                      "innCode", "ogrnCode", "vatCode", "icaoCode", "callSign",
                                      "nationalId", "socialSecurityNumber", NULL};
    for (int i = 0; names[i]; i++)
        if (strcmp(prop, names[i]) == 0) return *count = &q->n_names, q->names;
    for (int i = 0; ids[i]; i++)
        if (strcmp(prop, ids[i]) == 0) return *count = &q->n_id_numbers, q->id_numbers;
    if (strcmp(prop, "birthDate") == 0) return *count = &q->n_birth_dates, q->birth_dates;
    if (strcmp(prop, "nationality") == 0 || strcmp(prop, "citizenship") == 0)
        return *count = &q->n_nationalities, q->nationalities;
    if (strcmp(prop, "country") == 0 || strcmp(prop, "jurisdiction") == 0 ||
        strcmp(prop, "flag") == 0)
        return *count = &q->n_countries, q->countries;
    if (strcmp(prop, "publicKey") == 0 || strcmp(prop, "address") == 0)
        return *count = &q->n_wallets, q->wallets;
    return NULL;
}

/* Append one string value (blank ones are skipped). */
static int add_value(const char **slot, int *count, const char *v, const char *where,
                     const char *prop, srv_fail *f) {
    if (strlen(v) > SRV_MAX_VALUE_LEN)
        return fail(f, 422, "invalid_request", "%s.%s: a value is longer than 1024 bytes", where, prop);
    const char *p = v;
    while (*p && isspace((unsigned char)*p)) p++;
    if (!*p) return 0;
    if (*count >= SRV_MAX_VALUES) {
        f->status = 422;
        f->error = "invalid_request";
        snprintf(f->detail, sizeof f->detail, "%.200s.%.64s: more than %d values of this kind in one query",
                 where, prop, SRV_MAX_VALUES);
        return 422;
    }
    slot[(*count)++] = v;
    return 0;
}

/* A number as FtM text: integers as written, others shortest-exact. */
static json_t *number_text(json_t *v) {
    char buf[64];
    if (json_is_integer(v)) snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else {
        double d = json_real_value(v);
        if (d == (double)(long long)d && d > -1e15 && d < 1e15) snprintf(buf, sizeof buf, "%lld", (long long)d);
        else snprintf(buf, sizeof buf, "%.17g", d);
    }
    return json_string(buf);
}

/* Numbers in a property value (alone or in its array) become strings,
 * in place, so the query can borrow them like any other value. */
static void numbers_to_text(json_t *parent_obj, const char *key, json_t *v) {
    if (json_is_number(v)) {
        json_object_set_new(parent_obj, key, number_text(v));
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (json_is_number(e)) json_array_set_new(v, i, number_text(e));
    }
}

/* A property value: string, or an array of strings (nulls skipped). */
static int add_prop(srv_query *q, const char *prop, json_t *v, const char *where, srv_fail *f) {
    int *count = NULL;
    const char **slot = prop_slot(q, prop, &count);
    int is_wallet_addr = strcmp(prop, "address") == 0;
    if (!slot || json_is_null(v)) return 0;
    /* "address" is a postal address except on a wallet */
    if (is_wallet_addr && !(q->schema && strcmp(q->schema, "CryptoWallet") == 0)) return 0;
    if (json_is_string(v)) return add_value(slot, count, json_string_value(v), where, prop, f);
    if (!json_is_array(v))
        return fail(f, 422, "invalid_request", "%s.%s: expected a string, a number or an array of them",
                    where, prop);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (json_is_null(e)) continue;
        if (!json_is_string(e))
            return fail(f, 422, "invalid_request", "%s.%s: expected a string, a number or an array of them",
                        where, prop);
        int rc = add_value(slot, count, json_string_value(e), where, prop, f);
        if (rc) return rc;
    }
    return 0;
}

static const char *first_string(json_t *props, const char *key) {
    json_t *v = json_object_get(props, key);
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_array(v) && json_is_string(json_array_get(v, 0))) return json_string_value(json_array_get(v, 0));
    return NULL;
}

/* Persons are often sent as firstName / lastName without a name. */
static void compose_name(srv_query *q, json_t *props) {
    if (q->n_names > 0) return;
    const char *parts[3] = {first_string(props, "firstName"), first_string(props, "middleName"),
                            first_string(props, "lastName")};
    size_t len = 0;
    q->name_buf[0] = 0;
    for (int i = 0; i < 3; i++) {
        if (!parts[i] || !*parts[i]) continue;
        int n = snprintf(q->name_buf + len, sizeof q->name_buf - len, "%s%s", len ? " " : "", parts[i]);
        if (n < 0 || (size_t)n >= sizeof q->name_buf - len) return;
        len += (size_t)n;
    }
    if (len) q->names[q->n_names++] = q->name_buf;
}

static int parse_one_match(const char *key, json_t *qv, srv_query *q, srv_fail *f) {
    char where[160];
    snprintf(where, sizeof where, "queries.%.64s", key);
    json_error_t je;
    json_t *props = NULL;
    const char *schema = NULL, *id = NULL;
    memset(q, 0, sizeof *q);
    q->key = key;
    if (json_unpack_ex(qv, &je, 0, "{s?s, s:o, s?s}", "schema", &schema, "properties", &props,
                       "id", &id) != 0)
        return fail(f, 422, "invalid_request", "%s: %s", where, je.text);
    if (!json_is_object(props))
        return fail(f, 422, "invalid_request", "%s.properties: expected an object%s", where, NULL);
    q->schema = schema;
    q->id = id && *id ? id : NULL;
    snprintf(where, sizeof where, "queries.%.64s.properties", key);
    const char *prop;
    json_t *v;
    json_object_foreach(props, prop, v) {
        numbers_to_text(props, prop, v);
    }
    json_object_foreach(props, prop, v) {
        int rc = add_prop(q, prop, v, where, f);
        if (rc) return rc;
    }
    compose_name(q, props);
    if (srv_query_empty(q))
        return fail(f, 422, "invalid_request",
                    "%s: nothing to screen: give a name, an identifier or (CryptoWallet) a publicKey%s",
                    where, NULL);
    return 0;
}

/* An object of named queries, each read by parse_one; both /match and
 * /reconcile send their queries this way, under the same limits. */
typedef int (*parse_one_fn)(const char *key, json_t *qv, srv_query *q, srv_fail *f);

static int parse_named_queries(json_t *qs, parse_one_fn parse_one, srv_query **out, size_t *n,
                               srv_fail *f) {
    *out = NULL;
    *n = 0;
    if (!json_is_object(qs))
        return fail(f, 422, "invalid_request", "queries: expected an object of named queries%s%s", NULL, NULL);
    size_t count = json_object_size(qs);
    if (count == 0) return fail(f, 422, "invalid_request", "queries: no query given%s%s", NULL, NULL);
    if (count > SRV_MAX_QUERIES) {
        f->status = 422;
        f->error = "too_many_queries";
        snprintf(f->detail, sizeof f->detail, "%zu queries in one request; at most %d", count,
                 SRV_MAX_QUERIES);
        return 422;
    }
    srv_query *q = st_calloc(count, sizeof *q);
    if (!q) return fail(f, 503, "out_of_memory", "no memory for the queries%s%s", NULL, NULL);
    const char *key;
    json_t *qv;
    size_t i = 0;
    size_t values = 0;
    json_object_foreach(qs, key, qv) {
        int rc = parse_one(key, qv, &q[i], f);
        const srv_query *p = &q[i];
        values += (size_t)(p->n_names + p->n_birth_dates + p->n_nationalities + p->n_countries +
                           p->n_id_numbers + p->n_wallets);
        if (!rc && values > SRV_MAX_REQUEST_VALUES) {
            f->status = 422;
            f->error = "too_many_values";
            snprintf(f->detail, sizeof f->detail,
                     "more than %d values in one request (names, dates, identifiers, ... of all "
                     "queries together): send fewer queries per request", SRV_MAX_REQUEST_VALUES);
            rc = 422;
        }
        if (rc) {
            st_free(q);
            return rc;
        }
        i++;
    }
    *out = q;
    *n = count;
    return 0;
}

int srv_match_parse(json_t *body, srv_query **queries, size_t *n, srv_fail *f) {
    json_error_t je;
    json_t *qs = NULL;
    *queries = NULL;
    *n = 0;
    if (json_unpack_ex(body, &je, 0, "{s:o}", "queries", &qs) != 0)
        return fail(f, 422, "invalid_request", "%s%s", je.text, NULL);
    /* yente refuses a configuration parameter its algorithm does not take;
     * sanctrace's scorer takes none ("weights" are accepted and unused) */
    json_t *config = json_object_get(body, "config");
    if (json_is_object(config) && json_object_size(config) > 0) {
        const char *k = json_object_iter_key(json_object_iter(config));
        f->status = 400;
        f->error = "invalid_config";
        snprintf(f->detail, sizeof f->detail, "Invalid configuration parameter: %.64s for algorithm %s", k,
                 SRV_ALGORITHM);
        return 400;
    }
    return parse_named_queries(qs, parse_one_match, queries, n, f);
}

/* One reconciliation property {"pid": "birthDate", "v": "1960" | ["..."] | {"id": ...}}. */
static int parse_recon_prop(srv_query *q, json_t *p, const char *where, srv_fail *f) {
    json_error_t je;
    const char *pid = NULL;
    json_t *v = NULL;
    if (json_unpack_ex(p, &je, 0, "{s:s, s:o}", "pid", &pid, "v", &v) != 0)
        return fail(f, 422, "invalid_request", "%s.properties: %s", where, je.text);
    json_t *holder = p;
    const char *key = "v";
    if (json_is_object(v)) {
        holder = v;
        key = "id";
        v = json_object_get(v, "id");
    }
    if (!v || json_is_boolean(v)) return 0;
    numbers_to_text(holder, key, v); /* OpenRefine sends numeric cells as numbers */
    v = json_object_get(holder, key);
    return add_prop(q, pid, v, where, f);
}

static int parse_one_recon(const char *key, json_t *qv, srv_query *q, srv_fail *f) {
    char where[160];
    snprintf(where, sizeof where, "queries.%.64s", key);
    json_error_t je;
    json_t *text = NULL, *type = NULL, *props = NULL, *limit = NULL;
    memset(q, 0, sizeof *q);
    q->key = key;
    if (json_unpack_ex(qv, &je, 0, "{s?o, s?o, s?o, s?o}", "query", &text, "type", &type, "limit", &limit,
                       "properties", &props) != 0)
        return fail(f, 422, "invalid_request", "%s: %s", where, je.text);
    if (json_is_string(type)) q->types[q->n_types++] = json_string_value(type);
    else if (json_is_array(type)) {
        size_t i;
        json_t *t;
        if (json_array_size(type) > SRV_MAX_TYPES)
            return fail(f, 422, "invalid_request", "%s.type: more than 16 types%s", where, NULL);
        json_array_foreach(type, i, t) {
            if (json_is_object(t)) t = json_object_get(t, "id"); /* {"id", "name"} as in the manifest */
            if (!json_is_string(t))
                return fail(f, 422, "invalid_request", "%s.type: expected strings%s", where, NULL);
            q->types[q->n_types++] = json_string_value(t);
        }
    } else if (type && !json_is_null(type))
        return fail(f, 422, "invalid_request", "%s.type: expected a string or an array%s", where, NULL);
    /* one type screens as that schema; several, as any (the answer keeps those of the types) */
    q->schema = q->n_types == 1 ? q->types[0] : NULL;
    if (limit && !json_is_null(limit)) {
        if (!json_is_integer(limit))
            return fail(f, 422, "invalid_request", "%s.limit: expected an integer%s", where, NULL);
        json_int_t l = json_integer_value(limit);
        q->limit = l <= 0 ? 0 : l > SRV_RECON_MAX_LIMIT ? SRV_RECON_MAX_LIMIT : (int)l;
    }
    if (props && !json_is_array(props) && !json_is_null(props))
        return fail(f, 422, "invalid_request", "%s.properties: expected an array%s", where, NULL);
    int rc;
    if (text && !json_is_null(text)) {
        numbers_to_text(qv, "query", text);
        text = json_object_get(qv, "query");
        if (!json_is_string(text))
            return fail(f, 422, "invalid_request", "%s.query: expected a string%s", where, NULL);
        if ((rc = add_value(q->names, &q->n_names, json_string_value(text), where, "query", f))) return rc;
    }
    size_t i;
    json_t *p;
    json_array_foreach(props, i, p) {
        if ((rc = parse_recon_prop(q, p, where, f))) return rc;
    }
    return 0;
}

int srv_reconcile_parse(json_t *queries, srv_query **out, size_t *n, srv_fail *f) {
    return parse_named_queries(queries, parse_one_recon, out, n, f);
}

/* s trimmed, blank runs collapsed to one space, lower-cased when lower,
 * into out (n bytes). */
static void blank_collapse(const char *s, char *out, size_t n, int lower) {
    size_t len = 0;
    int blank = 0;
    for (; s && *s && len + 2 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (isspace(c)) {
            blank = len > 0;
            continue;
        }
        if (blank) out[len++] = ' ';
        blank = 0;
        out[len++] = (char)(lower ? tolower(c) : c);
    }
    out[len] = 0;
}

/* A subject's value: case and spacing do not make another subject. */
static void subject_norm(const char *s, char *out, size_t n) { blank_collapse(s, out, n, 1); }

static int cmp_norm(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One length-prefixed field into the digest: "<tag>:<count>;" then each
 * value as "<length>:<bytes>", so no value can pose as a separator, a
 * second value or another field.  The normalised values live on the heap
 * (a field holds up to SRV_MAX_VALUES of 1 KiB); without memory they go in
 * as given, unsorted: a subject that only order sets apart, never one
 * shared with another query. */
static void subject_field(st_sha256_ctx *md, const char *tag, const char *const *vals, int n) {
    char head[64];
    if (n < 0) n = 0;
    if (n > SRV_MAX_VALUES) n = SRV_MAX_VALUES;
    /* each value normalised into at most W bytes, as subjects always were */
    static const size_t W = SRV_MAX_VALUE_LEN + 1;
    size_t bytes = 0;
    for (int i = 0; i < n; i++) bytes += strlen(vals[i]) + 2 < W ? strlen(vals[i]) + 2 : W;
    char *buf = n ? st_malloc(bytes) : NULL;
    const char **norm = n ? st_malloc((size_t)n * sizeof *norm) : NULL;
    if (n && (!buf || !norm)) {
        st_free(buf);
        st_free(norm);
        buf = NULL;
        norm = NULL;
    }
    size_t used = 0;
    for (int i = 0; i < n && norm; i++) {
        size_t w = strlen(vals[i]) + 2 < W ? strlen(vals[i]) + 2 : W;
        subject_norm(vals[i], buf + used, w);
        norm[i] = buf + used;
        used += w;
    }
    if (norm && n > 1) qsort(norm, (size_t)n, sizeof *norm, cmp_norm); /* order-insensitive, not ambiguous */
    int hl = snprintf(head, sizeof head, "%s:%d;", tag, n);
    st_sha256_update(md, head, (size_t)hl);
    for (int i = 0; i < n; i++) {
        char one[SRV_MAX_VALUE_LEN + 1];
        const char *v = norm ? norm[i] : (subject_norm(vals[i], one, sizeof one), one);
        size_t len = strlen(v);
        hl = snprintf(head, sizeof head, "%zu:", len);
        st_sha256_update(md, head, (size_t)hl);
        st_sha256_update(md, v, len);
    }
    st_free(norm);
    st_free(buf);
}

void srv_query_subject(const srv_query *q, char out[80]) {
    if (q->id) {
        snprintf(out, 80, "%.79s", q->id);
        return;
    }
    /* every field the query can carry, each value normalised (case and
     * spacing do not make a new subject) and sorted within its field */
    const char *schema = q->schema ? q->schema : "";
    uint8_t h[32];
    st_sha256_ctx md;
    st_sha256_init(&md);
    st_sha256_update(&md, "sanctrace-subject-2\n", 20);
    subject_field(&md, "schema", &schema, 1);
    subject_field(&md, "name", q->names, q->n_names);
    subject_field(&md, "birthDate", q->birth_dates, q->n_birth_dates);
    subject_field(&md, "nationality", q->nationalities, q->n_nationalities);
    subject_field(&md, "country", q->countries, q->n_countries);
    subject_field(&md, "idNumber", q->id_numbers, q->n_id_numbers);
    subject_field(&md, "wallet", q->wallets, q->n_wallets);
    st_sha256_final(&md, h);
    out[0] = 'q';
    out[1] = ':';
    st_hex_encode(h, 32, out + 2);
}

int srv_form_value(const char *body, size_t len, const char *name, char *out, size_t n) {
    size_t nlen = strlen(name), i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&') end++;
        if (end - i > nlen && memcmp(body + i, name, nlen) == 0 && body[i + nlen] == '=') {
            size_t o = 0;
            for (size_t k = i + nlen + 1; k < end; k++) {
                int c = (unsigned char)body[k];
                if (c == '+') c = ' ';
                else if (c == '%' && k + 2 < end && st_hex_digit(body[k + 1]) >= 0 &&
                         st_hex_digit(body[k + 2]) >= 0) {
                    c = st_hex_digit(body[k + 1]) * 16 + st_hex_digit(body[k + 2]);
                    k += 2;
                }
                if (o + 1 >= n) return -1;
                out[o++] = (char)c;
            }
            out[o] = 0;
            return 1;
        }
        i = end + 1;
    }
    return 0;
}

int srv_callback_valid(const char *name) {
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > SRV_MAX_CALLBACK) return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (isdigit(c) && (i == 0 || name[i - 1] == '.')) return 0; /* a segment is a JS name */
        if (c == '.') {
            if (i == 0 || i + 1 == len || name[i + 1] == '.') return 0;
        } else if (!(isascii(c) && (isalnum(c) || c == '_' || c == '$'))) {
            return 0;
        }
    }
    return 1;
}

/* ---- /match query parameters ---- */

int srv_algorithm_known(const char *name) {
    /* yente's published names, so a client configured for yente keeps
     * working; every one is answered by sanctrace's scorer */
    static const char *const known[] = {SRV_ALGORITHM, "best",      "logic-v1",       "logic-v2",
                                        "regression-v1", "name-based", "name-qualified", "ofac-249",
                                        NULL};
    char clean[32];
    size_t len = 0;
    while (*name && isspace((unsigned char)*name)) name++;
    for (; *name && len + 1 < sizeof clean; name++) clean[len++] = (char)tolower((unsigned char)*name);
    if (*name) return 0;
    while (len && isspace((unsigned char)clean[len - 1])) len--;
    clean[len] = 0;
    for (int i = 0; known[i]; i++)
        if (strcmp(clean, known[i]) == 0) return 1;
    return 0;
}

/* A number in [lo, hi]; 0, or 422 with f filled. */
static int param_number(const char *name, const char *v, double lo, double hi, double *out, srv_fail *f) {
    char *end;
    double d = strtod(v, &end);
    while (*end && isspace((unsigned char)*end)) end++;
    if (!*v || *end || d != d || d < lo || d > hi) {
        f->status = 422;
        f->error = "invalid_request";
        snprintf(f->detail, sizeof f->detail, "%s: expected a number in [%g, %g], got '%.40s'", name, lo, hi,
                 v);
        return 422;
    }
    *out = d;
    return 0;
}

/* yente's pattern for changed_since: ^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?$ */
static int timestamp_ok(const char *v) {
    static const char *const shapes[] = {"dddd-dd-dd", "dddd-dd-ddTdd", "dddd-dd-ddTdd:dd",
                                         "dddd-dd-ddTdd:dd:dd", NULL};
    for (int i = 0; shapes[i]; i++) {
        const char *s = shapes[i], *p = v;
        for (; *s && *p; s++, p++)
            if (*s == 'd' ? !isdigit((unsigned char)*p) : *s != *p) break;
        if (!*s && !*p) return 1;
    }
    return 0;
}

int srv_match_params_parse(const srv_kv *args, size_t n, srv_match_params *p, srv_fail *f) {
    memset(p, 0, sizeof *p);
    p->threshold = 0.80;
    p->cutoff = 0.5;
    p->limit = 5;
    p->algorithm = "best";
    if (n > SRV_MAX_ARGS)
        return fail(f, 422, "invalid_request", "more than 128 query-string arguments%s%s", NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        const char *k = args[i].name, *v = args[i].value ? args[i].value : "";
        const char **list = NULL;
        int *count = NULL;
        double d;
        if (strcmp(k, "threshold") == 0) {
            if (param_number(k, v, 0, 1, &p->threshold, f)) return 422;
        } else if (strcmp(k, "cutoff") == 0) {
            if (param_number(k, v, 0, 1, &p->cutoff, f)) return 422;
        } else if (strcmp(k, "limit") == 0) {
            if (param_number(k, v, 1, SRV_MAX_LIMIT, &d, f)) return 422;
            if (d != (double)(int)d)
                return fail(f, 422, "invalid_request", "limit: expected a whole number, got '%.40s'%s", v, NULL);
            p->limit = (int)d;
        } else if (strcmp(k, "algorithm") == 0) {
            if (!srv_algorithm_known(v))
                return fail(f, 400, "invalid_algorithm", "Invalid algorithm: %.60s (see /algorithms)%s", v, NULL);
            p->algorithm = v;
        } else if (strcmp(k, "changed_since") == 0) {
            if (!timestamp_ok(v))
                return fail(f, 422, "invalid_request",
                            "changed_since: expected YYYY-MM-DD, optionally with THH, THH:MM or THH:MM:SS; "
                            "got '%.40s'%s", v, NULL);
            p->changed_since = v;
        } else if (strcmp(k, "include_dataset") == 0) {
            list = p->include_dataset, count = &p->n_include_dataset;
        } else if (strcmp(k, "exclude_dataset") == 0) {
            list = p->exclude_dataset, count = &p->n_exclude_dataset;
        } else if (strcmp(k, "exclude_schema") == 0) {
            list = p->exclude_schema, count = &p->n_exclude_schema;
        } else if (strcmp(k, "topics") == 0) {
            list = p->topics, count = &p->n_topics;
        } else if (strcmp(k, "exclude_entity_ids") == 0) {
            list = p->exclude_entity_ids, count = &p->n_exclude_entity_ids;
        }
        if (!list) continue;
        if (*count >= SRV_MAX_ARG_VALUES)
            return fail(f, 422, "invalid_request", "%s: more than 50 values%s", k, NULL);
        if (strlen(v) > 256) return fail(f, 422, "invalid_request", "%s: a value is longer than 256 bytes%s", k, NULL);
        if (*v) list[(*count)++] = v;
    }
    if (p->cutoff > p->threshold) p->cutoff = p->threshold;
    return 0;
}

int srv_search_params_parse(const srv_kv *args, size_t n, srv_search_params *p, srv_fail *f) {
    memset(p, 0, sizeof *p);
    p->schema = "Thing";
    p->limit = 10;
    p->facets = 1 | 2 | 4; /* countries, topics, datasets: yente's default */
    if (n > SRV_MAX_ARGS)
        return fail(f, 422, "invalid_request", "more than 128 query-string arguments%s%s", NULL, NULL);
    srv_kv rest[SRV_MAX_ARGS];
    size_t nrest = 0;
    int facets_given = 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = args[i].name, *v = args[i].value ? args[i].value : "";
        const char **list = NULL;
        int *count = NULL;
        double d;
        if (strcmp(k, "limit") == 0 || strcmp(k, "offset") == 0) {
            int lim = strcmp(k, "limit") == 0;
            if (param_number(k, v, 0, lim ? SRV_MAX_LIMIT : SRV_MAX_OFFSET, &d, f)) return 422;
            if (d != (double)(int)d)
                return fail(f, 422, "invalid_request", "%s: expected a whole number, got '%.40s'", k, v);
            *(lim ? &p->limit : &p->offset) = (int)d;
        } else if (strcmp(k, "schema") == 0) {
            if (*v) p->schema = v;
        } else if (strcmp(k, "filter_op") == 0) {
            if (strcmp(v, "AND") != 0 && strcmp(v, "OR") != 0)
                return fail(f, 422, "invalid_request", "filter_op: expected AND or OR, got '%.40s'%s", v, NULL);
            p->filter_and = strcmp(v, "AND") == 0;
        } else if (strcmp(k, "facets") == 0) {
            int bit = 0;
            static const char *const names[] = {"countries", "topics", "datasets", "schema", "identifiers", "genders"};
            for (int b = 0; b < 6; b++)
                if (strcmp(v, names[b]) == 0) bit = 1 << b;
            if (!bit)
                return fail(f, 422, "invalid_request",
                            "facets: expected countries, topics, datasets, schema, identifiers or genders, got '%.40s'%s",
                            v, NULL);
            if (!facets_given) p->facets = 0;
            facets_given = 1;
            p->facets |= bit;
        } else if (strcmp(k, "countries") == 0) {
            list = p->countries, count = &p->n_countries;
        } else if (strcmp(k, "datasets") == 0) {
            list = p->datasets, count = &p->n_datasets;
        } else if (strcmp(k, "filter") == 0) {
            if (!strchr(v, ':'))
                return fail(f, 400, "invalid_filter", "Invalid filter: '%.60s' (expected FIELD:VALUE)%s", v, NULL);
            list = p->filters, count = &p->n_filters;
        } else {
            rest[nrest++] = args[i];
        }
        if (!list) continue;
        if (*count >= SRV_MAX_ARG_VALUES)
            return fail(f, 422, "invalid_request", "%s: more than 50 values%s", k, NULL);
        if (strlen(v) > 256) return fail(f, 422, "invalid_request", "%s: a value is longer than 256 bytes%s", k, NULL);
        if (*v) list[(*count)++] = v;
    }
    return srv_match_params_parse(rest, nrest, &p->m, f);
}

/* ---- the query echoed ---- */


static void echo_add(json_t *props, const char *prop, const char *value) {
    char norm[SRV_MAX_VALUE_LEN + 2];
    blank_collapse(value, norm, sizeof norm, 0);
    if (!norm[0]) return;
    json_t *arr = json_object_get(props, prop);
    if (!arr) {
        arr = json_array();
        if (json_object_set_new(props, prop, arr) != 0) return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        if (strcmp(json_string_value(e), norm) == 0) return;
    }
    json_array_append_new(arr, json_string(norm));
}

json_t *srv_query_echo(json_t *qv, const srv_query *q) {
    json_t *props = json_object();
    json_t *src = json_object_get(qv, "properties");
    const char *prop;
    json_t *v;
    json_object_foreach(src, prop, v) {
        if (json_is_string(v)) echo_add(props, prop, json_string_value(v));
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (json_is_string(e)) echo_add(props, prop, json_string_value(e));
        }
    }
    if (q->n_names == 1 && q->names[0] == q->name_buf) echo_add(props, "name", q->name_buf);
    json_t *o = json_pack("{s:s?, s:s, s:o}", "id", q->id, "schema",
                          q->schema && *q->schema ? q->schema : "LegalEntity", "properties", props);
    return o;
}

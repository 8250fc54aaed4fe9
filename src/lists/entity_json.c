/*
 * entity_json.c - the snapshot serialisation of st_entity: one compact
 * JSON object a line, lossless, and its strict reader.
 *
 * Design: keys follow the struct field names; empty arrays and NULL
 * strings are left out so lines stay short; key order is fixed and every
 * array is written sorted (names by kind, then value), so the same facts
 * always serialise to the same bytes whatever order a list gave them in:
 * changes.json compares lines.  The reader checks every type and reports
 * file and line.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alloc.h"
#include "core/sha256.h"
#include "lists/store.h"


/* ---- canonical order ---- */

typedef struct ej_sort {
    const st_entity *e;
    int what;
} ej_sort;

enum { EJ_NAMES, EJ_DATES, EJ_IDENTS, EJ_WALLETS, EJ_PROPS, EJ_STRS, EJ_CODES };

static int ej_kind_rank(st_name_kind k) {
    return k == ST_NAME_PRIMARY ? 0 : k == ST_NAME_ALIAS ? 1 : k == ST_NAME_FORMER ? 2 : 3;
}

static int ej_cmp(const void *pa, const void *pb, void *ctx) {
    const ej_sort *c = ctx;
    const st_entity *e = c->e;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int r = 0;
    switch (c->what) {
    case EJ_NAMES:
        r = ej_kind_rank(e->names[a].kind) - ej_kind_rank(e->names[b].kind);
        if (!r) r = strcmp(e->names[a].value, e->names[b].value);
        break;
    case EJ_DATES: {
        const st_pdate *x = &e->birth_dates[a], *y = &e->birth_dates[b];
        r = x->year != y->year ? x->year - y->year : x->year_to != y->year_to ? x->year_to - y->year_to
          : x->month != y->month ? x->month - y->month : x->day != y->day ? x->day - y->day : x->circa - y->circa;
        break;
    }
    case EJ_IDENTS:
        r = strcmp(e->idents[a].type, e->idents[b].type);
        if (!r) r = strcmp(e->idents[a].value, e->idents[b].value);
        if (!r) r = strcmp(e->idents[a].country, e->idents[b].country);
        break;
    case EJ_WALLETS:
        r = strcmp(e->wallets[a].chain, e->wallets[b].chain);
        if (!r) r = strcmp(e->wallets[a].address, e->wallets[b].address);
        break;
    case EJ_PROPS:
        r = strcmp(e->props[a].key, e->props[b].key);
        if (!r) r = strcmp(e->props[a].value, e->props[b].value);
        break;
    }
    return r ? r : (a < b ? -1 : a > b);
}

/* Indices 0..n-1 in canonical order (caller st_free()s); NULL on OOM. */
static size_t *ej_order(const st_entity *e, int what, size_t n) {
    size_t *ix = st_malloc((n ? n : 1) * sizeof *ix);
    if (!ix) return NULL;
    for (size_t i = 0; i < n; i++) ix[i] = i;
    ej_sort c = {e, what};
    qsort_r(ix, n, sizeof *ix, ej_cmp, &c);
    return ix;
}

static int ej_strcmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int ej_set(json_t *o, const char *k, json_t *v) {
    if (!v) return ST_ENOMEM;
    return json_object_set_new(o, k, v) == 0 ? ST_OK : ST_ENOMEM;
}

static int ej_strings(json_t *o, const char *k, char *const *a, size_t n) {
    if (!n) return ST_OK;
    char **sorted = st_malloc(n * sizeof *sorted);
    json_t *arr = json_array();
    if (!arr || !sorted) { st_free(sorted); json_decref(arr); return ST_ENOMEM; }
    memcpy(sorted, a, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, ej_strcmp);
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(arr, json_string(sorted[i])) != 0) { st_free(sorted); json_decref(arr); return ST_ENOMEM; }
    st_free(sorted);
    return ej_set(o, k, arr);
}

static int ej_codes(json_t *o, const char *k, char (*a)[3], size_t n) {
    if (!n) return ST_OK;
    char **ptrs = st_malloc(n * sizeof *ptrs);
    if (!ptrs) return ST_ENOMEM;
    for (size_t i = 0; i < n; i++) ptrs[i] = a[i];
    int rc = ej_strings(o, k, ptrs, n);
    st_free(ptrs);
    return rc;
}

json_t *st_entity_to_json(const st_entity *e) {
    json_t *o = json_object(), *arr = NULL;
    size_t *ix = NULL;
    int rc = ST_OK;
    if (!o) return NULL;
    if ((rc = ej_set(o, "id", json_string(e->id))) != ST_OK) goto fail;
    if ((rc = ej_set(o, "schema", json_string(st_schema_name(e->schema)))) != ST_OK) goto fail;
    if ((rc = ej_set(o, "source", json_string(e->source))) != ST_OK) goto fail;
    if (e->caption && (rc = ej_set(o, "caption", json_string(e->caption))) != ST_OK) goto fail;
    if (e->n_names) {
        if (!(arr = json_array())) goto fail;
        if (!(ix = ej_order(e, EJ_NAMES, e->n_names))) goto fail;
        for (size_t j = 0; j < e->n_names; j++) {
            size_t i = ix[j];
            json_t *n = json_pack("[sss]", e->names[i].value, st_name_kind_name(e->names[i].kind),
                                  e->names[i].script);
            if (json_array_append_new(arr, n) != 0) goto fail;
        }
        if ((rc = ej_set(o, "names", arr)) != ST_OK) { arr = NULL; goto fail; }
        arr = NULL;
    }
    if (e->n_birth_dates) {
        if (!(arr = json_array())) goto fail;
        st_free(ix);
        if (!(ix = ej_order(e, EJ_DATES, e->n_birth_dates))) goto fail;
        for (size_t j = 0; j < e->n_birth_dates; j++) {
            const st_pdate *d = &e->birth_dates[ix[j]];
            json_t *n = json_pack("{si}", "year", (int)d->year);
            if (n && d->year_to != d->year) json_object_set_new(n, "year_to", json_integer(d->year_to));
            if (n && d->month) json_object_set_new(n, "month", json_integer(d->month));
            if (n && d->day) json_object_set_new(n, "day", json_integer(d->day));
            if (n && d->circa) json_object_set_new(n, "circa", json_true());
            if (json_array_append_new(arr, n) != 0) goto fail;
        }
        if ((rc = ej_set(o, "birth_dates", arr)) != ST_OK) { arr = NULL; goto fail; }
        arr = NULL;
    }
    if ((rc = ej_strings(o, "birth_places", e->birth_places, e->n_birth_places)) != ST_OK) goto fail;
    if ((rc = ej_codes(o, "nationalities", e->nationalities, e->n_nationalities)) != ST_OK) goto fail;
    if ((rc = ej_codes(o, "countries", e->countries, e->n_countries)) != ST_OK) goto fail;
    if (e->n_idents) {
        if (!(arr = json_array())) goto fail;
        st_free(ix);
        if (!(ix = ej_order(e, EJ_IDENTS, e->n_idents))) goto fail;
        for (size_t j = 0; j < e->n_idents; j++) {
            size_t i = ix[j];
            json_t *n = json_pack("[sss]", e->idents[i].type, e->idents[i].value, e->idents[i].country);
            if (json_array_append_new(arr, n) != 0) goto fail;
        }
        if ((rc = ej_set(o, "idents", arr)) != ST_OK) { arr = NULL; goto fail; }
        arr = NULL;
    }
    if ((rc = ej_strings(o, "addresses", e->addresses, e->n_addresses)) != ST_OK) goto fail;
    if (e->n_wallets) {
        if (!(arr = json_array())) goto fail;
        st_free(ix);
        if (!(ix = ej_order(e, EJ_WALLETS, e->n_wallets))) goto fail;
        for (size_t j = 0; j < e->n_wallets; j++) {
            size_t i = ix[j];
            json_t *n = json_pack("[ss]", e->wallets[i].chain, e->wallets[i].address);
            if (json_array_append_new(arr, n) != 0) goto fail;
        }
        if ((rc = ej_set(o, "wallets", arr)) != ST_OK) { arr = NULL; goto fail; }
        arr = NULL;
    }
    if ((rc = ej_strings(o, "programs", e->programs, e->n_programs)) != ST_OK) goto fail;
    if (e->gender && (rc = ej_set(o, "gender", json_string(e->gender))) != ST_OK) goto fail;
    if (e->listed_on && (rc = ej_set(o, "listed_on", json_string(e->listed_on))) != ST_OK) goto fail;
    if (e->remarks && (rc = ej_set(o, "remarks", json_string(e->remarks))) != ST_OK) goto fail;
    if (e->n_props) {
        if (!(arr = json_array())) goto fail;
        st_free(ix);
        if (!(ix = ej_order(e, EJ_PROPS, e->n_props))) goto fail;
        for (size_t j = 0; j < e->n_props; j++) {
            size_t i = ix[j];
            json_t *n = json_pack("[ss]", e->props[i].key, e->props[i].value);
            if (json_array_append_new(arr, n) != 0) goto fail;
        }
        if ((rc = ej_set(o, "props", arr)) != ST_OK) { arr = NULL; goto fail; }
        arr = NULL;
    }
    st_free(ix);
    return o;
fail:
    st_free(ix);
    json_decref(arr);
    json_decref(o);
    return NULL;
}

char *st_entity_to_jsonl(const st_entity *e) {
    json_t *o = st_entity_to_json(e);
    if (!o) return NULL;
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!s) return NULL;
    char *r = st_strdup(s); /* hand out memory from our allocator */
    free(s);
    return r;
}

int st_entity_content_hash(const st_entity *e, char out[65]) {
    char *line = st_entity_to_jsonl(e);
    if (!line) return ST_ENOMEM;
    st_sha256_hex(line, strlen(line), out);
    st_free(line);
    return ST_OK;
}

/* ---- reader ---- */

#define EJ_BAD(...) do { rc = st_error_set(err, ST_ECORRUPT, __VA_ARGS__); goto fail; } while (0)

static const char *ej_str(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int st_entity_from_json(json_t *o, st_entity **out, st_error *err) {
    st_entity *e = NULL;
    int rc;
    if (!json_is_object(o)) return st_error_set(err, ST_ECORRUPT, "entity is not an object");
    const char *id = ej_str(o, "id"), *schema = ej_str(o, "schema"), *source = ej_str(o, "source");
    if (!id || !schema || !source) return st_error_set(err, ST_ECORRUPT, "entity lacks id, schema or source");
    if ((rc = st_entity_new(&e, id, source, st_schema_parse(schema))) != ST_OK) goto oom;
    json_t *v, *item;
    size_t i;
    if ((v = json_object_get(o, "names"))) {
        if (!json_is_array(v)) EJ_BAD("names is not an array");
        json_array_foreach(v, i, item) {
            const char *val, *kind, *script;
            st_name_kind k;
            if (json_unpack(item, "[sss]", &val, &kind, &script) != 0 || st_name_kind_parse(kind, &k) != ST_OK)
                EJ_BAD("names[%zu] is not [value, kind, script]", i);
            size_t before = e->n_names;
            if ((rc = st_entity_add_name(e, val, k)) != ST_OK) goto oom;
            if (e->n_names > before) snprintf(e->names[before].script, sizeof e->names[before].script, "%s", script);
        }
    }
    if ((v = json_object_get(o, "birth_dates"))) {
        if (!json_is_array(v)) EJ_BAD("birth_dates is not an array");
        json_array_foreach(v, i, item) {
            json_int_t y = 0, y2 = 0, m = 0, d = 0;
            int circa = 0;
            if (json_unpack(item, "{sI,s?I,s?I,s?I,s?b}", "year", &y, "year_to", &y2, "month", &m, "day", &d,
                            "circa", &circa) != 0 || y < 1 || y > 9999 || m < 0 || m > 12 || d < 0 || d > 31 ||
                y2 < 0 || y2 > 9999)
                EJ_BAD("birth_dates[%zu] is not a partial date", i);
            st_pdate pd = {(int16_t)y, (int16_t)(y2 ? y2 : y), (int8_t)m, (int8_t)d, (uint8_t)(circa != 0)};
            if ((rc = st_entity_add_birth_date(e, pd)) != ST_OK) goto oom;
        }
    }
    struct {
        const char *key;
        int (*add)(st_entity *, const char *);
    } strs[] = {{"birth_places", st_entity_add_birth_place}, {"nationalities", st_entity_add_nationality},
                {"countries", st_entity_add_country},        {"addresses", st_entity_add_address},
                {"programs", st_entity_add_program}};
    for (size_t s = 0; s < sizeof strs / sizeof strs[0]; s++) {
        if (!(v = json_object_get(o, strs[s].key))) continue;
        if (!json_is_array(v)) EJ_BAD("%s is not an array", strs[s].key);
        json_array_foreach(v, i, item) {
            if (!json_is_string(item)) EJ_BAD("%s[%zu] is not a string", strs[s].key, i);
            rc = strs[s].add(e, json_string_value(item));
            if (rc == ST_EINVAL) EJ_BAD("%s[%zu] is not an ISO code", strs[s].key, i);
            if (rc != ST_OK) goto oom;
        }
    }
    if ((v = json_object_get(o, "idents"))) {
        if (!json_is_array(v)) EJ_BAD("idents is not an array");
        json_array_foreach(v, i, item) {
            const char *t, *val, *cc;
            if (json_unpack(item, "[sss]", &t, &val, &cc) != 0) EJ_BAD("idents[%zu] is not [type, value, country]", i);
            if ((rc = st_entity_add_ident(e, t, val, cc)) != ST_OK) goto oom;
        }
    }
    if ((v = json_object_get(o, "wallets"))) {
        if (!json_is_array(v)) EJ_BAD("wallets is not an array");
        json_array_foreach(v, i, item) {
            const char *c, *a;
            if (json_unpack(item, "[ss]", &c, &a) != 0) EJ_BAD("wallets[%zu] is not [chain, address]", i);
            if ((rc = st_entity_add_wallet(e, c, a)) != ST_OK) goto oom;
        }
    }
    if ((v = json_object_get(o, "props"))) {
        if (!json_is_array(v)) EJ_BAD("props is not an array");
        json_array_foreach(v, i, item) {
            const char *k, *val;
            if (json_unpack(item, "[ss]", &k, &val) != 0) EJ_BAD("props[%zu] is not [key, value]", i);
            if ((rc = st_entity_add_prop(e, k, val)) != ST_OK) goto oom;
        }
    }
    const char *cap = ej_str(o, "caption");
    if ((rc = st_entity_set(&e->caption, cap)) != ST_OK) goto oom;
    if ((rc = st_entity_set(&e->gender, ej_str(o, "gender"))) != ST_OK) goto oom;
    if ((rc = st_entity_set(&e->listed_on, ej_str(o, "listed_on"))) != ST_OK) goto oom;
    if ((rc = st_entity_set(&e->remarks, ej_str(o, "remarks"))) != ST_OK) goto oom;
    *out = e;
    return ST_OK;
oom:
    rc = st_error_set(err, ST_ENOMEM, "out of memory");
fail:
    st_entity_free(e);
    return rc;
}

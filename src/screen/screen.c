/*
 * screen.c - snapshots in memory and the screening of one query.
 *
 * Design: a loaded snapshot is immutable.  Opening it reads the entities
 * the lists store wrote, then builds three lookups once: wallet addresses
 * (normalised per chain, exact), identifier numbers (letters and digits
 * only, exact) and the candidate name index of src/index over every name
 * of every entity.  A query then touches only the candidates the index
 * returns, scores each with the names comparator and adjusts the best name
 * score by birth date, nationality, country, schema and identifiers, each
 * step written into the explanation.
 *
 * Thread safety: any number of threads may call st_screen on one snapshot.
 * The only mutable part is a pool of per-thread workspaces (ICU context +
 * index scratch) guarded by a mutex; a workspace is held for one query.
 * The snapshot is reference-counted so a server can swap in a new one
 * while requests still read the old.
 */
#include "sanctrace/screen.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/map.h"
#include "lists/store.h"
#include "sanctrace/wallet.h"
#include "sanctrace/names.h"

#define SCREEN_CANDIDATES 64   /* names the index may return per query */
#define SCREEN_SCORED_MIN 24     /* names always scored, best estimates first */
#define SCREEN_BOUND_SHARE 0.5   /* past those, skip names whose estimate is under
                                    this share of the best estimate */
#define SCREEN_MAX_MATCHES 100

typedef struct screen_ws {
    st_names_ctx *ctx;
    st_name_scratch *scratch;
    struct screen_ws *next;
} screen_ws;

/* A linked list of entity indexes sharing one key (wallet or id number). */
typedef struct key_link {
    uint32_t ent;
    uint32_t next;   /* index+1 of the next link, 0 at the end */
} key_link;

struct st_snapshot {
    _Atomic long refs;
    st_store_snapshot *data;   /* entities + manifest + changes, owned */
    st_map *by_id;             /* entity id -> index */
    st_map *wallets;           /* normalised address -> head link+1 */
    st_map *idents;            /* folded id number -> head link+1 */
    key_link *links;
    size_t nlinks, caplinks;
    st_name_index *ix;
    pthread_mutex_t pool_mu;
    screen_ws *pool;
};

/* ---- opening ----------------------------------------------------------- */

/* Identifier numbers compare on letters and digits only, upper-case. */
static size_t ident_fold(const char *s, char *out, size_t n) {
    size_t k = 0;
    for (; s && *s && k + 1 < n; s++)
        if (isalnum((unsigned char)*s)) out[k++] = (char)toupper((unsigned char)*s);
    out[k] = 0;
    return k;
}

static int link_add(st_snapshot *s, st_map *m, const char *key, size_t klen, uint32_t ent) {
    if (!klen) return ST_OK;
    if (s->nlinks == s->caplinks) {
        size_t nc = s->caplinks ? s->caplinks * 2 : 1024;
        key_link *p = st_realloc(s->links, nc * sizeof *p);
        if (!p) return ST_ENOMEM;
        s->links = p;
        s->caplinks = nc;
    }
    int created;
    uint64_t *head = st_map_slot(m, key, klen, 0, &created);
    if (!head) return ST_ENOMEM;
    /* skip a duplicate of the same entity at the head (same key listed twice) */
    if (*head && s->links[*head - 1].ent == ent) return ST_OK;
    s->links[s->nlinks] = (key_link){ent, (uint32_t)*head};
    *head = ++s->nlinks;
    return ST_OK;
}

static int snapshot_index(st_snapshot *s, st_error *err) {
    st_names_ctx *ctx = NULL;
    int rc;
    if ((rc = st_map_new(&s->by_id)) || (rc = st_map_new(&s->wallets)) ||
        (rc = st_map_new(&s->idents)) || (rc = st_name_index_new(&s->ix)))
        return st_error_set(err, rc, "out of memory building the snapshot index");
    if ((rc = st_names_ctx_new(&ctx, err)) != ST_OK) return rc;
    for (size_t i = 0; i < s->data->n_entities; i++) {
        const st_entity *e = s->data->entities[i];
        if ((rc = st_map_put(s->by_id, e->id, strlen(e->id), i))) goto oom;
        for (size_t k = 0; k < e->n_names; k++)
            if ((rc = st_name_index_add(s->ix, ctx, e->names[k].value, e->schema,
                                        ((uint64_t)i << 8) | (k < 255 ? k : 255))))
                goto oom;
        for (size_t k = 0; k < e->n_wallets; k++) {
            char norm[256];
            if (st_wallet_normalize(e->wallets[k].chain, e->wallets[k].address, norm, sizeof norm, NULL) != ST_OK)
                snprintf(norm, sizeof norm, "%s", e->wallets[k].address);
            if ((rc = link_add(s, s->wallets, norm, strlen(norm), (uint32_t)i))) goto oom;
        }
        for (size_t k = 0; k < e->n_idents; k++) {
            char f[128];
            size_t n = ident_fold(e->idents[k].value, f, sizeof f);
            if (n >= 4 && (rc = link_add(s, s->idents, f, n, (uint32_t)i))) goto oom;
        }
    }
    if ((rc = st_name_index_build(s->ix))) goto oom;
    st_names_ctx_free(ctx);
    return ST_OK;
oom:
    st_names_ctx_free(ctx);
    return st_error_set(err, rc, "out of memory building the snapshot index");
}

int st_snapshot_open(const char *data_dir, st_snapshot **out, st_error *err) {
    *out = NULL;
    st_snapshot *s = st_calloc(1, sizeof *s);
    if (!s) return st_error_set(err, ST_ENOMEM, "out of memory");
    atomic_init(&s->refs, 1);
    pthread_mutex_init(&s->pool_mu, NULL);
    int rc = st_store_open(data_dir, NULL, &s->data, err);
    if (rc != ST_OK) { st_snapshot_release(s); return rc; }
    if ((rc = snapshot_index(s, err)) != ST_OK) { st_snapshot_release(s); return rc; }
    *out = s;
    return ST_OK;
}

st_snapshot *st_snapshot_retain(st_snapshot *s) {
    if (s) atomic_fetch_add(&s->refs, 1);
    return s;
}

void st_snapshot_release(st_snapshot *s) {
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1) return;
    screen_ws *w = s->pool;
    while (w) {
        screen_ws *n = w->next;
        st_names_ctx_free(w->ctx);
        st_name_scratch_free(w->scratch);
        st_free(w);
        w = n;
    }
    pthread_mutex_destroy(&s->pool_mu);
    st_name_index_free(s->ix);
    st_map_free(s->by_id);
    st_map_free(s->wallets);
    st_map_free(s->idents);
    st_free(s->links);
    st_store_close(s->data);
    st_free(s);
}

const char *st_snapshot_version(const st_snapshot *s) { return s->data->version; }
size_t st_snapshot_count(const st_snapshot *s) { return s->data->n_entities; }
const st_entity *st_snapshot_entity(const st_snapshot *s, size_t i) {
    return i < s->data->n_entities ? s->data->entities[i] : NULL;
}

const st_entity *st_snapshot_find(const st_snapshot *s, const char *id) {
    uint64_t i;
    return st_map_get(s->by_id, id, strlen(id), &i) ? s->data->entities[i] : NULL;
}

json_t *st_snapshot_catalog(const st_snapshot *s) {
    json_t *o = s->data->manifest ? json_deep_copy(s->data->manifest) : json_object();
    if (!o) return NULL;
    json_object_set_new(o, "version", json_string(s->data->version));
    json_object_set_new(o, "entities", json_integer((json_int_t)s->data->n_entities));
    json_object_set_new(o, "names", json_integer((json_int_t)st_name_index_count(s->ix)));
    return o;
}

/* ---- workspaces -------------------------------------------------------- */

static screen_ws *ws_acquire(st_snapshot *s, st_error *err) {
    pthread_mutex_lock(&s->pool_mu);
    screen_ws *w = s->pool;
    if (w) s->pool = w->next;
    pthread_mutex_unlock(&s->pool_mu);
    if (w) return w;
    w = st_calloc(1, sizeof *w);
    if (!w) { st_error_set(err, ST_ENOMEM, "out of memory"); return NULL; }
    if (st_names_ctx_new(&w->ctx, err) != ST_OK || st_name_scratch_new(s->ix, &w->scratch) != ST_OK) {
        st_names_ctx_free(w->ctx);
        st_free(w);
        st_error_set(err, ST_ENOMEM, "out of memory");
        return NULL;
    }
    return w;
}

static void ws_release(st_snapshot *s, screen_ws *w) {
    pthread_mutex_lock(&s->pool_mu);
    w->next = s->pool;
    s->pool = w;
    pthread_mutex_unlock(&s->pool_mu);
}

/* ---- scoring ----------------------------------------------------------- */

/* One entity's running result while a query is scored. */
typedef struct screen_hit {
    uint32_t ent;
    int name_k;          /* index of the best name in the entity, -1: none */
    uint32_t name_idx;   /* that name in the index */
    double name_score;   /* best name score after the alias-kind weight */
    double raw_score;    /* that name's comparator score */
    int via_wallet, via_ident;
    double score;
    json_t *steps;
} screen_hit;

static double kind_weight(st_name_kind k) {
    switch (k) {
    case ST_NAME_WEAK: return 0.90;   /* low-quality alias: found, at lower weight */
    case ST_NAME_FORMER: return 0.98;
    default: return 1.0;
    }
}

static int schema_compatible(st_schema q, st_schema e) {
    if (q == ST_SCHEMA_UNKNOWN || e == ST_SCHEMA_UNKNOWN) return 1;
    if (q == e) return 1;
    int qo = q == ST_SCHEMA_ORGANIZATION || q == ST_SCHEMA_COMPANY;
    int eo = e == ST_SCHEMA_ORGANIZATION || e == ST_SCHEMA_COMPANY;
    return qo && eo;
}

static void step_add(screen_hit *h, const char *feature, const char *query, json_t *list,
                     double effect, const char *why) {
    if (!h->steps) h->steps = json_array();
    json_t *o = json_object();
    json_object_set_new(o, "feature", json_string(feature));
    if (query) json_object_set_new(o, "query", json_string(query));
    json_object_set_new(o, "list", list ? list : json_null());
    json_object_set_new(o, "effect", json_real(round(effect * 1000) / 1000));
    json_object_set_new(o, "why", json_string(why));
    json_array_append_new(h->steps, o);
    h->score += effect;
}

static void adjust_birth_date(const st_entity *e, const char *qd, screen_hit *h) {
    st_pdate q;
    if (!qd || !*qd || !e->n_birth_dates || st_pdate_parse(qd, &q) != ST_OK) return;
    json_t *list = json_array();
    int best = 0; /* 0 conflict, 1 year near, 2 year, 3 year-month, 4 full date */
    for (size_t i = 0; i < e->n_birth_dates; i++) {
        const st_pdate *d = &e->birth_dates[i];
        char b[32];
        json_array_append_new(list, json_string(st_pdate_format(d, b, sizeof b)));
        int lo = d->year, hi = d->year_to > d->year ? d->year_to : d->year;
        int level;
        if (q.year >= lo && q.year <= hi) {
            level = 2;
            if (lo == hi && q.month && d->month) {
                if (q.month != d->month) level = 0;
                else {
                    level = 3;
                    if (q.day && d->day) level = q.day == d->day ? 4 : 0;
                }
            }
        } else if (q.year >= lo - 1 - d->circa * 2 && q.year <= hi + 1 + d->circa * 2) {
            level = 1;
        } else {
            level = 0;
        }
        if (level > best) best = level;
    }
    static const double effect[] = {-0.20, 0.0, 0.04, 0.06, 0.08};
    static const char *const why[] = {"birth date differs from every listed date",
                                      "birth year within a year of a listed date",
                                      "same birth year", "same birth year and month",
                                      "same full birth date"};
    step_add(h, "birth_date", qd, list, effect[best], why[best]);
}

static int has_code(char (*codes)[3], size_t n, const char *c) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(codes[i], c)) return 1;
    return 0;
}

static json_t *codes_json(char (*codes)[3], size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_string(codes[i]));
    return a;
}

static void adjust_country(const st_entity *e, const char *qv, int nationality, screen_hit *h) {
    char c[3];
    if (!qv || !*qv || st_country_code(qv, c) != ST_OK) return;
    const char *feature = nationality ? "nationality" : "country";
    if (nationality && e->n_nationalities) {
        if (has_code(e->nationalities, e->n_nationalities, c))
            step_add(h, feature, c, codes_json(e->nationalities, e->n_nationalities), 0.03, "same nationality");
        else if (has_code(e->countries, e->n_countries, c))
            step_add(h, feature, c, codes_json(e->countries, e->n_countries), 0.0,
                     "nationality differs but the country is linked to the listed party");
        else
            step_add(h, feature, c, codes_json(e->nationalities, e->n_nationalities), -0.10,
                     "nationality differs from the listed nationality");
        return;
    }
    size_t n = e->n_countries + e->n_nationalities;
    if (!n) return;
    if (has_code(e->countries, e->n_countries, c) || has_code(e->nationalities, e->n_nationalities, c)) {
        step_add(h, feature, c, codes_json(e->countries, e->n_countries), 0.02, "country linked to the listed party");
    } else {
        json_t *all = codes_json(e->countries, e->n_countries);
        json_t *nat = codes_json(e->nationalities, e->n_nationalities);
        json_array_extend(all, nat); /* copies: the temporary is freed below */
        json_decref(nat);
        step_add(h, feature, c, all, -0.05, "country not linked to the listed party");
    }
}

static void adjust_ident(const st_entity *e, const char *qid, screen_hit *h) {
    char f[128];
    if (!qid || ident_fold(qid, f, sizeof f) < 4 || !e->n_idents) return;
    for (size_t i = 0; i < e->n_idents; i++) {
        char g[128];
        ident_fold(e->idents[i].value, g, sizeof g);
        if (!strcmp(f, g)) {
            step_add(h, "id_number", qid, json_string(e->idents[i].value), 0.15,
                     "identifier number equals a listed one");
            return;
        }
    }
}

static int hit_cmp(const void *a, const void *b) {
    const screen_hit *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return x->ent < y->ent ? -1 : x->ent > y->ent;
}

static int source_matches(const st_entity *e, const char *dataset) {
    if (!dataset || !*dataset || !strcmp(dataset, "default") || !strcmp(dataset, "all")) return 1;
    return e->source && !strcasecmp(e->source, dataset);
}

/* The hit for entity ent, appended when new.  NULL on allocation failure. */
static screen_hit *hit_get(screen_hit **hits, size_t *n, size_t *cap, st_map *seen, uint32_t ent) {
    uint64_t *slot = st_map_slot(seen, &ent, sizeof ent, UINT64_MAX, NULL);
    if (!slot) return NULL;
    if (*slot != UINT64_MAX) return &(*hits)[*slot];
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        screen_hit *p = st_realloc(*hits, nc * sizeof *p);
        if (!p) return NULL;
        *hits = p;
        *cap = nc;
    }
    screen_hit *h = &(*hits)[*n];
    memset(h, 0, sizeof *h);
    h->ent = ent;
    h->name_k = -1;
    *slot = (*n)++;
    return h;
}

static void hits_free(screen_hit *hits, size_t n) {
    for (size_t i = 0; i < n; i++) {
        json_decref(hits[i].steps);
    }
    st_free(hits);
}

int st_screen(const st_snapshot *cs, const st_query *q, const st_screen_opts *o,
              st_match **out, size_t *nout, st_error *err) {
    st_snapshot *s = (st_snapshot *)cs; /* only the workspace pool changes */
    *out = NULL;
    *nout = 0;
    int has_name = q->name && *q->name, has_wallet = q->wallet && *q->wallet;
    char idf[128];
    int has_id = q->id_number && ident_fold(q->id_number, idf, sizeof idf) >= 4;
    if (!has_name && !has_wallet && !has_id)
        return st_error_set(err, ST_EINVAL, "nothing to screen: give a name, a wallet or an id_number");
    double threshold = o && o->threshold >= 0 ? o->threshold : ST_DEFAULT_THRESHOLD;
    size_t limit = o && o->limit ? o->limit : 10;
    if (limit > SCREEN_MAX_MATCHES) limit = SCREEN_MAX_MATCHES;
    st_schema qschema = q->schema && *q->schema ? st_schema_parse(q->schema) : ST_SCHEMA_UNKNOWN;

    screen_hit *hits = NULL;
    size_t nh = 0, caph = 0;
    st_map *seen = NULL;
    screen_ws *ws = NULL;
    st_name_form *qf = NULL;
    int rc = st_map_new(&seen);
    if (rc) goto oom;

    if (has_wallet) {
        char norm[256];
        if (st_wallet_normalize(NULL, q->wallet, norm, sizeof norm, NULL) != ST_OK)
            snprintf(norm, sizeof norm, "%s", q->wallet);
        uint64_t head;
        if (st_map_get(s->wallets, norm, strlen(norm), &head)) {
            for (uint32_t l = (uint32_t)head; l; l = s->links[l - 1].next) {
                uint32_t ent = s->links[l - 1].ent;
                if (!source_matches(s->data->entities[ent], q->dataset)) continue;
                screen_hit *h = hit_get(&hits, &nh, &caph, seen, ent);
                if (!h) goto oom;
                h->via_wallet = 1;
            }
        }
    }
    if (has_id) {
        uint64_t head;
        if (st_map_get(s->idents, idf, strlen(idf), &head)) {
            for (uint32_t l = (uint32_t)head; l; l = s->links[l - 1].next) {
                uint32_t ent = s->links[l - 1].ent;
                if (!source_matches(s->data->entities[ent], q->dataset)) continue;
                screen_hit *h = hit_get(&hits, &nh, &caph, seen, ent);
                if (!h) goto oom;
                h->via_ident = 1;
            }
        }
    }
    if (has_name) {
        if (!(ws = ws_acquire(s, err))) { rc = ST_ENOMEM; goto fail; }
        if ((rc = st_name_prepare(ws->ctx, q->name, qschema, &qf))) goto oom;
        st_name_cand cand[SCREEN_CANDIDATES];
        size_t nc = 0;
        if ((rc = st_name_index_query(s->ix, ws->scratch, qf, cand, SCREEN_CANDIDATES, &nc))) goto oom;
        float top = nc ? cand[0].bound : 0;
        for (size_t i = 0; i < nc; i++) {
            /* candidates come best estimate first: the tail that shares only a
               small part of the query's weight cannot reach the threshold */
            if (i >= SCREEN_SCORED_MIN && cand[i].bound < top * SCREEN_BOUND_SHARE) break;
            uint64_t p = cand[i].payload;
            uint32_t ent = (uint32_t)(p >> 8);
            int k = (int)(p & 0xFF);
            const st_entity *e = s->data->entities[ent];
            if (!schema_compatible(qschema, e->schema) || !source_matches(e, q->dataset)) continue;
            const st_name_form *lf = st_name_index_form(s->ix, cand[i].name_idx);
            double raw = st_name_compare_forms(qf, lf, e->schema, NULL);
            double w = raw * kind_weight(e->names[k].kind);
            /* far below the threshold even after every attribute bonus: skip */
            if (w < threshold - 0.25 && w < 0.5) continue;
            screen_hit *h = hit_get(&hits, &nh, &caph, seen, ent);
            if (!h) goto oom;
            if (w > h->name_score) {
                h->name_score = w;
                h->raw_score = raw;
                h->name_k = k;
                h->name_idx = cand[i].name_idx;
            }
        }
    }
    /* attribute adjustments, explanations */
    for (size_t i = 0; i < nh; i++) {
        screen_hit *h = &hits[i];
        const st_entity *e = s->data->entities[h->ent];
        if (h->via_wallet) {
            h->score = 1.0;
            step_add(h, "wallet", q->wallet, NULL, 0, "wallet address equals a listed address");
            continue;
        }
        if (h->name_k >= 0) {
            h->score = h->name_score;
            if (e->names[h->name_k].kind == ST_NAME_WEAK)
                step_add(h, "weak_alias", NULL, json_string(e->names[h->name_k].value), 0,
                         "matched a weak (low-quality) alias: name score weighted by 0.90");
        } else {
            h->score = 0.80; /* identifier alone, no name or a different name */
        }
        if (has_id) adjust_ident(e, q->id_number, h);
        if (has_name && h->name_k < 0 && h->via_ident)
            step_add(h, "name", q->name, json_string(e->caption), -0.15, "identifier equal but name differs");
        if (e->schema == ST_SCHEMA_PERSON || e->schema == ST_SCHEMA_UNKNOWN)
            adjust_birth_date(e, q->birth_date, h);
        adjust_country(e, q->nationality, 1, h);
        adjust_country(e, q->country, 0, h);
        if (h->score > 1) h->score = 1;
        if (h->score < 0) h->score = 0;
    }
    if (nh > 1) qsort(hits, nh, sizeof *hits, hit_cmp); /* hits is NULL when empty */
    size_t nm = 0;
    while (nm < nh && nm < limit && hits[nm].score >= threshold) nm++;
    if (nm) {
        st_match *m = st_calloc(nm, sizeof *m);
        if (!m) goto oom;
        for (size_t i = 0; i < nm; i++) {
            screen_hit *h = &hits[i];
            const st_entity *e = s->data->entities[h->ent];
            m[i].entity = e;
            m[i].score = h->score;
            m[i].match = h->score >= ST_DEFAULT_THRESHOLD;
            m[i].name = h->name_k >= 0 ? e->names[h->name_k].value : e->caption;
            json_t *x = json_object();
            if (h->name_k >= 0) {
                json_t *ne = NULL;
                st_name_compare_forms(qf, st_name_index_form(s->ix, h->name_idx), e->schema, &ne);
                json_object_set_new(x, "name", ne ? ne : json_null());
                json_object_set_new(x, "name_kind", json_string(st_name_kind_name(e->names[h->name_k].kind)));
                json_object_set_new(x, "name_score", json_real(round(h->raw_score * 1000) / 1000));
            }
            json_object_set_new(x, "steps", h->steps ? json_incref(h->steps) : json_array());
            json_object_set_new(x, "score", json_real(round(h->score * 1000) / 1000));
            m[i].explanation = x;
        }
        *out = m;
        *nout = nm;
    }
    rc = ST_OK;
    goto done;
oom:
    rc = st_error_set(err, ST_ENOMEM, "out of memory screening");
fail:
done:
    hits_free(hits, nh);
    st_map_free(seen);
    st_name_form_free(qf);
    if (ws) ws_release(s, ws);
    return rc;
}

void st_matches_free(st_match *m, size_t n) {
    if (!m) return;
    for (size_t i = 0; i < n; i++) json_decref(m[i].explanation);
    st_free(m);
}

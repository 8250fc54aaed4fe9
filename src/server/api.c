/*
 * api.c - the endpoints: yente's /match, /search, /entities, /catalog,
 * probes, decisions, alerts, the W3C reconciliation API and the page.
 *
 * Design: every handler takes one retained snapshot at its start and
 * uses only that one, so an update switching snapshots mid-request cannot
 * mix two list versions in one answer; the audit record names it.
 * Screening requests (match, search, reconcile) are answered only after
 * their audit record is committed: a failure there is a 503, never a
 * silent gap in the trail.
 *
 * A query with several names (or wallets) is screened once per value and
 * the results merged per entity, keeping each entity's best score.
 * Decisions are looked up per subject (see srv_query_subject) and shown on
 * a result only while the entity's content hash is the one the analyst
 * saw; otherwise the result carries it as "decision_outdated".
 *
 * Entities are named by their FollowTheMoney ids (st_entity_ftm_id);
 * sanctrace's own id, which decisions, monitoring hits and alerts keep, is
 * their referent and still resolves.  What yente's clients read beside
 * scores (facets, the catalog) is in yente.c, the reconciliation services
 * beside matching in reconcile.c.
 *
 * Who asks decides what is answered: the key's role (db.h) gates each
 * endpoint, and a decision or audit record names the key, never a name
 * the client typed.  A read key screens without seeing or making
 * decisions.  Without keys (loopback, one user) the caller is "local",
 * with every right.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "core/alloc.h"
#include "core/sha256.h"
#include "server/request.h"
#include "server/api.h"
#include "server/evm_api.h"
#include "server/reconcile.h"
#include "server/yente.h"
#include "server/applicants.h"


/* ---- helpers ---- */

static int route(const char *url, const char *prefix, const char **rest) {
    size_t n = strlen(prefix);
    if (strncmp(url, prefix, n) != 0) return 0;
    *rest = url + n;
    return 1;
}

static double arg_double(srv_req *r, const char *name, double dflt, double lo, double hi) {
    const char *v = srv_arg(r, name);
    if (!v || !*v) return dflt;
    char *end;
    double d = strtod(v, &end);
    if (*end || d != d) return -1e300; /* caller reports */
    return d < lo || d > hi ? -1e300 : d;
}

/* The entity's content hash: SHA-256 of its lossless snapshot line (the
 * same serialisation `sanctrace update` compares to call an entity
 * changed), so a decision goes stale exactly when the list changed it. */
static int entity_hash(const st_entity *e, char out[65]) { return st_entity_content_hash(e, out); }

/* Is dataset "default" or a source of the snapshot? */
static int dataset_known(json_t *catalog, const char *dataset) { return srv_catalog_has(catalog, dataset); }

/* ---- screening one query ---- */

typedef struct merged {
    const st_entity *entity;
    double score;
    const char *name;
    json_t *explanation; /* owned */
} merged;

typedef struct hits {
    merged *v;
    size_t n, cap;
} hits;

static void hits_free(hits *h) {
    for (size_t i = 0; i < h->n; i++) json_decref(h->v[i].explanation);
    st_free(h->v);
    memset(h, 0, sizeof *h);
}

/* yente's result filters of one /match request, applied to each entity
 * before it can take a place among the results. */
typedef struct result_filter {
    const st_snapshot *snap;     /* for each entity's last change */
    const srv_match_params *p;
    const char *created; /* the snapshot's creation time (ISO 8601) */
    const srv_search_params *sp; /* /search: schema, countries, datasets too; else NULL */
} result_filter;

static int listed_in(const char *v, const char *const *list, int n) {
    for (int i = 0; i < n; i++)
        if (strcmp(v, list[i]) == 0) return 1;
    return 0;
}

static int filter_active(const result_filter *rf) {
    const srv_match_params *p = rf ? rf->p : NULL;
    const srv_search_params *sp = rf ? rf->sp : NULL;
    return (p && (p->n_include_dataset || p->n_exclude_dataset || p->n_exclude_schema || p->n_topics ||
                  p->n_exclude_entity_ids || p->changed_since)) ||
           (sp && (sp->n_countries || sp->n_datasets || sp->n_filters || strcmp(sp->schema, "Thing") != 0));
}

/* How many of the wanted values v has (want[n] against have[m]), as a
 * filter_op reads them: OR needs one, AND all; no values wanted passes. */
static int values_pass(const char *const *want, int n, const char *const *have, size_t m, int all) {
    if (n == 0) return 1;
    int found = 0;
    for (int i = 0; i < n; i++) {
        int hit = 0;
        for (size_t k = 0; k < m && !hit; k++) hit = strcasecmp(want[i], have[k]) == 0;
        found += hit;
    }
    return all ? found == n : found > 0;
}

/* Is id (as a client sent it: either form) e's? */
static int id_is(const st_entity *e, const char *id) {
    char fid[ST_FTM_ID_MAX + 1];
    if (strcmp(e->id, id) == 0) return 1;
    st_entity_ftm_id(e->id, fid);
    return strcmp(fid, id) == 0;
}

/* Does e pass rf?  Every entity sanctrace serves is a sanctions listing:
 * its one topic is "sanction".  No entity of a snapshot changed after the
 * snapshot was made, so changed_since after its creation excludes all;
 * before, none (the snapshot does not say when each entity last changed:
 * screening errs towards showing an entity). */
static int filter_passes(const result_filter *rf, const st_entity *e) {
    if (!filter_active(rf)) return 1;
    const srv_match_params *p = rf->p;
    const char *source = e->source ? e->source : "";
    if (p->n_include_dataset && !listed_in(source, p->include_dataset, p->n_include_dataset)) return 0;
    if (listed_in(source, p->exclude_dataset, p->n_exclude_dataset)) return 0;
    const char *schema = st_schema_ftm_name(e->schema);
    if (listed_in(schema, p->exclude_schema, p->n_exclude_schema)) return 0;
    if (e->schema == ST_SCHEMA_AIRCRAFT && (listed_in("Airplane", p->exclude_schema, p->n_exclude_schema) ||
                                            listed_in("Aircraft", p->exclude_schema, p->n_exclude_schema)))
        return 0;
    const char *topics[32];
    size_t nt = srv_entity_topics(e, topics, 32);
    const srv_search_params *sp = rf->sp;
    if (!values_pass(p->topics, p->n_topics, topics, nt, sp && sp->filter_and)) return 0;
    for (int i = 0; i < p->n_exclude_entity_ids; i++)
        if (id_is(e, p->exclude_entity_ids[i])) return 0;
    if (sp) {
        char cs[64][3];
        const char *cp[64];
        size_t nc = srv_entity_countries(e, cs, 64);
        for (size_t i = 0; i < nc; i++) cp[i] = cs[i];
        if (!srv_schema_is_a(e->schema, sp->schema)) return 0;
        if (!values_pass(sp->countries, sp->n_countries, cp, nc, sp->filter_and)) return 0;
        if (!values_pass(sp->datasets, sp->n_datasets, &source, 1, sp->filter_and)) return 0;
        if (sp->n_filters && !srv_entity_filters_pass(e, sp->filters, sp->n_filters, sp->filter_and)) return 0;
    }
    if (p->changed_since) {
        /* the entity's last change when the snapshots recorded it, else the
         * snapshot's creation (it changed then at the latest: screening errs
         * towards showing an entity) */
        const char *first = NULL, *change = NULL;
        if (st_snapshot_entity_times(rf->snap, e, &first, &change) != ST_OK) change = rf->created;
        if (change && strncmp(p->changed_since, change, strlen(p->changed_since)) > 0) return 0;
    }
    return 1;
}

static int hits_add(hits *h, st_match *m) {
    for (size_t i = 0; i < h->n; i++) {
        if (h->v[i].entity != m->entity) continue;
        if (m->score > h->v[i].score) {
            json_decref(h->v[i].explanation);
            h->v[i] = (merged){m->entity, m->score, m->name, m->explanation};
            m->explanation = NULL;
        }
        return ST_OK;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        merged *nv = st_realloc(h->v, cap * sizeof *nv);
        if (!nv) return ST_ENOMEM;
        h->v = nv;
        h->cap = cap;
    }
    h->v[h->n++] = (merged){m->entity, m->score, m->name, m->explanation};
    m->explanation = NULL;
    return ST_OK;
}

static int merged_cmp(const void *a, const void *b) {
    const merged *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return strcmp(x->entity->id, y->entity->id);
}

static int screen_one(const st_snapshot *snap, const st_query *sq, double cutoff, size_t limit,
                      const result_filter *rf, double over, hits *h, st_error *err) {
    /* filtered-out results must not take the places of those that pass,
     * and yente's "total" counts the matches the cut to limit hides: in
     * either case one call asks for as many as an answer may hold (the
     * scores do not depend on the limit asked; the merge cuts to limit) */
    st_screen_opts o = {cutoff, filter_active(rf) || over <= 1 ? SRV_MAX_LIMIT : limit};
    st_match *m = NULL;
    size_t n = 0;
    int rc = st_screen(snap, sq, &o, &m, &n, err);
    if (rc != ST_OK) return rc;
    for (size_t i = 0; i < n && rc == ST_OK; i++)
        if (filter_passes(rf, m[i].entity)) rc = hits_add(h, &m[i]);
    st_matches_free(m, n);
    return rc;
}

/* Screen every name, wallet and (alone) identifier of q; results merged,
 * best first, at most limit, those rf lets through (rf NULL: all).  With
 * n_over non-NULL it gets how many scored at least over before the cut to
 * limit (yente's "total": the matches); over > 1 counts nothing. */
static int screen_query(const st_snapshot *snap, const srv_query *q, const char *dataset,
                        double cutoff, size_t limit, const result_filter *rf, double over,
                        size_t *n_over, hits *h, st_error *err) {
    st_query base = {0};
    base.schema = q->schema && *q->schema && strcmp(q->schema, "Thing") != 0 &&
                          strcmp(q->schema, "LegalEntity") != 0
                      ? q->schema
                      : NULL;
    base.birth_date = q->n_birth_dates ? q->birth_dates[0] : NULL;
    base.nationality = q->n_nationalities ? q->nationalities[0] : NULL;
    base.country = q->n_countries ? q->countries[0] : NULL;
    base.id_number = q->n_id_numbers ? q->id_numbers[0] : NULL;
    base.dataset = strcmp(dataset, "default") == 0 ? NULL : dataset;
    int rc = ST_OK;
    for (int i = 0; i < q->n_names && rc == ST_OK; i++) {
        st_query sq = base;
        sq.name = q->names[i];
        rc = screen_one(snap, &sq, cutoff, limit, rf, over, h, err);
    }
    for (int i = 0; i < q->n_wallets && rc == ST_OK; i++) {
        st_query sq = {0};
        sq.wallet = q->wallets[i];
        sq.dataset = base.dataset;
        rc = screen_one(snap, &sq, cutoff, limit, rf, over, h, err);
    }
    if (q->n_names == 0) {
        for (int i = 0; i < q->n_id_numbers && rc == ST_OK; i++) {
            st_query sq = base;
            sq.id_number = q->id_numbers[i];
            rc = screen_one(snap, &sq, cutoff, limit, rf, over, h, err);
        }
    }
    if (rc != ST_OK) return rc;
    if (h->n > 1) qsort(h->v, h->n, sizeof *h->v, merged_cmp); /* v is NULL when empty */
    if (n_over) {
        *n_over = 0;
        while (*n_over < h->n && h->v[*n_over].score >= over) (*n_over)++;
    }
    while (h->n > limit) json_decref(h->v[--h->n].explanation);
    return ST_OK;
}

/* yente's "features": the explanation's numbers, flattened - the name
 * score and each attribute step's effect ({"feature", "effect"}). */
static json_t *features_of(json_t *expl) {
    json_t *f = json_object();
    const char *k;
    json_t *v;
    if (!json_is_object(expl)) return f;
    json_object_foreach(expl, k, v) {
        if (json_is_number(v)) json_object_set(f, k, v);
    }
    size_t i;
    json_array_foreach(json_object_get(expl, "steps"), i, v) {
        const char *feature = json_string_value(json_object_get(v, "feature"));
        json_t *effect = json_object_get(v, "effect");
        if (feature && json_is_number(effect)) json_object_set(f, feature, effect);
    }
    return f;
}

/* A value of an explanation as text: strings as they are, a list of
 * strings joined with "; ", anything else NULL. */
static char *expl_text(json_t *v) {
    if (json_is_string(v)) return strdup(json_string_value(v));
    if (!json_is_array(v) || json_array_size(v) == 0) return NULL;
    size_t len = 1, i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e)) return NULL;
        len += strlen(json_string_value(e)) + 2;
    }
    char *out = malloc(len);
    if (!out) return NULL;
    out[0] = 0;
    json_array_foreach(v, i, e) {
        if (i) strcat(out, "; ");
        strcat(out, json_string_value(e));
    }
    return out;
}

/* One of yente's FeatureResult {"score", "detail", "query", "candidate"}
 * under key in into (a second step of one feature gets "_2", ...). */
static void explanation_add(json_t *into, const char *key, double score, const char *detail, json_t *query,
                            json_t *candidate) {
    char k[96];
    snprintf(k, sizeof k, "%.80s", key);
    for (int i = 2; json_object_get(into, k) && i < 100; i++) snprintf(k, sizeof k, "%.80s_%d", key, i);
    char *qt = expl_text(query), *ct = expl_text(candidate);
    json_object_set_new(into, k, json_pack("{s:f, s:s?, s:s?, s:s?}", "score", score, "detail", detail,
                                           "query", qt, "candidate", ct));
    free(qt);
    free(ct);
}

/* yente's "explanations": the engine's explanation as FeatureResults - the
 * name comparison, then each attribute step with its effect and reason.
 * sanctrace's own "explanation" stays beside it for its page and clients. */
static json_t *explanations_of(json_t *expl) {
    json_t *out = json_object();
    if (!json_is_object(expl)) return out;
    json_t *name = json_object_get(expl, "name");
    if (json_is_object(name)) {
        char detail[160];
        const char *kind = json_string_value(json_object_get(expl, "name_kind"));
        snprintf(detail, sizeof detail, "name compared with the listed %s name%s", kind ? kind : "",
                 json_is_true(json_object_get(name, "korean")) ? ", read as Korean syllables" : "");
        json_t *ns = json_object_get(expl, "name_score");
        if (!json_is_number(ns)) ns = json_object_get(name, "score");
        explanation_add(out, "name", json_number_value(ns), detail, json_object_get(name, "query"),
                        json_object_get(name, "list"));
    }
    size_t i;
    json_t *st;
    json_array_foreach(json_object_get(expl, "steps"), i, st) {
        const char *feature = json_string_value(json_object_get(st, "feature"));
        json_t *effect = json_object_get(st, "effect");
        if (!feature) continue;
        explanation_add(out, feature, json_is_number(effect) ? json_number_value(effect) : 0,
                        json_string_value(json_object_get(st, "why")), json_object_get(st, "query"),
                        json_object_get(st, "list"));
    }
    return out;
}

/* The entity in yente's EntityResponse shape: FtM plus "referents" (none:
 * sanctrace does not merge records), "target" (every listing is one),
 * "first_seen" and "last_change" (unknown to one snapshot: null) and
 * "last_seen" (the served snapshot was made then, seconds, no zone, as
 * yente writes them). */
static json_t *entity_json(const st_snapshot *snap, const st_entity *e, const char *created) {
    json_t *o = st_entity_to_ftm(e);
    if (!o) return NULL;
    char seen[20] = "", fid[ST_FTM_ID_MAX + 1];
    if (created && strlen(created) >= 19) memcpy(seen, created, 19);
    /* sanctrace's own id, which stored decisions and alerts hold, is a
     * referent of the FtM id: it still resolves (a redirect, as yente's) */
    json_object_set_new(o, "referents", st_entity_ftm_id(e->id, fid) ? json_pack("[s]", e->id) : json_array());
    /* the topics /search filters and counts by, as yente's entities carry them */
    const char *topics[32];
    size_t nt = srv_entity_topics(e, topics, 32);
    json_t *tv = json_array();
    for (size_t i = 0; i < nt; i++) json_array_append_new(tv, json_string(topics[i]));
    json_object_set_new(json_object_get(o, "properties"), "topics", tv);
    json_object_set_new(o, "target", json_true());
    const char *first = NULL, *change = NULL;
    st_snapshot_entity_times(snap, e, &first, &change);
    json_object_set_new(o, "first_seen", srv_iso_seconds(first));
    json_object_set_new(o, "last_seen", seen[0] ? json_string(seen) : json_null());
    json_object_set_new(o, "last_change", srv_iso_seconds(change));
    return o;
}

/* Who issues a source's listings (Sanction.authority). */
static const char *source_authority(const char *source) {
    if (!source) return NULL;
    if (strcmp(source, "un") == 0) return "United Nations Security Council";
    if (strncmp(source, "ofac", 4) == 0) return "US Treasury Office of Foreign Assets Control";
    return NULL;
}

/* A nested entity in yente's shape, for /entities/{id}: its parent's id
 * under the reverse property, the keys every EntityResponse carries; its
 * times are its parent's (the listing and its wallets change with it). */
static json_t *nested_entity(const char *id, const char *schema, const char *caption, json_t *props,
                             json_t *parent) {
    return json_pack("{s:s, s:s, s:s, s:o, s:O, s:[], s:b, s:O, s:O, s:O}", "id", id, "schema", schema, "caption",
                     caption, "properties", props, "datasets", json_object_get(parent, "datasets"), "referents",
                     "target", 0, "first_seen", json_object_get(parent, "first_seen"), "last_seen",
                     json_object_get(parent, "last_seen"), "last_change", json_object_get(parent, "last_change"));
}

/* FtM keeps a listing as a Sanction entity and a listed wallet as a
 * CryptoWallet entity whose holder is the party; /entities/{id} nests them
 * as yente does (properties "sanctions" and "cryptoWallets"), their ids
 * made from the entity's. */
static void entity_add_nested(json_t *o, const st_entity *e) {
    json_t *props = json_object_get(o, "properties");
    char id[512], fid[ST_FTM_ID_MAX + 1];
    st_entity_ftm_id(e->id, fid);
    json_t *sp = json_pack("{s:[s]}", "entity", fid);
    const char *authority = source_authority(e->source);
    if (authority) json_object_set_new(sp, "authority", json_pack("[s]", authority));
    if (e->n_programs) {
        json_t *progs = json_array();
        for (size_t i = 0; i < e->n_programs; i++) json_array_append_new(progs, json_string(e->programs[i]));
        json_object_set_new(sp, "program", progs);
    }
    if (e->listed_on && *e->listed_on) json_object_set_new(sp, "listingDate", json_pack("[s]", e->listed_on));
    snprintf(id, sizeof id, "%.400s-sanction", fid);
    json_object_set_new(props, "sanctions",
                        json_pack("[o]", nested_entity(id, "Sanction", e->n_programs ? e->programs[0] : "Sanction",
                                                       sp, o)));
    if (e->schema == ST_SCHEMA_CRYPTOWALLET || e->n_wallets == 0) return;
    json_t *wallets = json_array();
    for (size_t i = 0; i < e->n_wallets; i++) {
        snprintf(id, sizeof id, "%.200s-wallet-%.16s-%.128s", fid, e->wallets[i].chain, e->wallets[i].address);
        for (char *c = id; *c; c++) /* FtM's id pattern: letters, digits, '.', '-' */
            if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '.'))
                *c = '-';
        json_t *wp = json_pack("{s:[s], s:[s], s:[s]}", "publicKey", e->wallets[i].address, "currencySymbol",
                               e->wallets[i].chain, "holder", fid);
        json_array_append_new(wallets, nested_entity(id, "CryptoWallet", e->wallets[i].address, wp, o));
    }
    json_object_set_new(props, "cryptoWallets", wallets);
}

/* The snapshot's creation time from its catalog, NULL when not there. */
static const char *catalog_created(json_t *cat) { return json_string_value(json_object_get(cat, "created")); }

/* The newest decision on entity_id among decisions (newest first). */
static json_t *decision_for(json_t *decisions, const st_entity *e) {
    size_t i;
    json_t *d;
    json_array_foreach(decisions, i, d) {
        if (id_is(e, json_string_value(json_object_get(d, "entity_id")) ?: "")) return d;
    }
    return NULL;
}

/* Decisions are stored under sanctrace's id (st_snapshot_find takes either
 * form, so one entity has one key); answers name the entity by its FtM id,
 * as results do.  Rewrites each "entity_id" of arr in place. */
static void decisions_ftm_ids(json_t *arr) {
    size_t i;
    json_t *d;
    json_array_foreach(arr, i, d) {
        const char *id = json_string_value(json_object_get(d, "entity_id"));
        char fid[ST_FTM_ID_MAX + 1];
        if (id && st_entity_ftm_id(id, fid)) json_object_set_new(d, "entity_id", json_string(fid));
    }
}

/* One result in yente's shape, plus sanctrace's explanation and decision. */
static json_t *result_json(const st_snapshot *snap, const merged *m, const char *created, json_t *decisions) {
    json_t *o = entity_json(snap, m->entity, created);
    if (!o) return NULL;
    char hash[65] = "";
    entity_hash(m->entity, hash);
    json_object_set_new(o, "score", json_real(m->score));
    json_object_set_new(o, "match", json_boolean(m->score >= ST_DEFAULT_THRESHOLD)); /* as screen: threshold only lists */
    json_object_set_new(o, "matched_name", json_string(m->name ? m->name : ""));
    json_object_set_new(o, "features", features_of(m->explanation));
    json_object_set(o, "explanation", m->explanation ? m->explanation : json_null());
    json_object_set_new(o, "explanations", explanations_of(m->explanation));
    json_object_set_new(o, "entity_hash", json_string(hash));
    json_t *d = decision_for(decisions, m->entity);
    if (d) {
        const char *dh = json_string_value(json_object_get(d, "entity_hash"));
        json_object_set(o, dh && strcmp(dh, hash) == 0 ? "decision" : "decision_outdated", d);
    }
    return o;
}

static json_t *results_json(const st_snapshot *snap, const hits *h, const char *created, json_t *decisions) {
    json_t *arr = json_array();
    for (size_t i = 0; i < h->n; i++) json_array_append_new(arr, result_json(snap, &h->v[i], created, decisions));
    return arr;
}

/* Is who allowed what needs role need?  If not, out is the 401 or 403. */
static int allowed(const st_key_info *who, st_role need, const char *what, srv_resp *out) {
    if (who->role >= need) return 1;
    if (who->role == ST_ROLE_NONE)
        srv_error(out, 401, "unauthorized", "an API key is required to %s", what);
    else
        srv_error(out, 403, "forbidden", "key '%s' has the %s role; to %s needs %s or admin", who->name,
                  st_role_name(who->role), what, st_role_name(need));
    return 0;
}

/* Decisions on subject for who (NULL subject: on entity_id), or an empty
 * list for a key that may not read decisions.  New reference in *out. */
static int decisions_for(srv_api *S, const st_key_info *who, const char *subject, const char *entity_id,
                         int limit, json_t **out, st_error *err) {
    if (who->role < ST_ROLE_ANALYST) {
        *out = json_array();
        return *out ? ST_OK : st_error_set(err, ST_ENOMEM, "out of memory");
    }
    int rc = st_db_decisions(S->store, subject, entity_id, limit, out, err);
    if (rc == ST_OK) decisions_ftm_ids(*out);
    return rc;
}

/* Audit fields are bounded: an input or an answer longer than this is
 * recorded as a marker with its length and SHA-256 (and, for an answer,
 * the id, score and match flag of every result), so one large request
 * cannot make a record of megabytes; what was screened and found stays. */
#define AUDIT_MAX_FIELD (64 * 1024)

/* The results in v - every object with an "id" and a "score" - as
 * [id, score, match], in v's shape with everything else left out, and
 * every "results" list kept even when empty (a "no match" answered is
 * what an audit must show); NULL when v holds none. */
static json_t *results_digest(json_t *v) {
    if (json_is_object(v) && json_is_string(json_object_get(v, "id")) &&
        json_is_number(json_object_get(v, "score"))) {
        json_t *m = json_object_get(v, "match");
        return json_pack("[O, O, b]", json_object_get(v, "id"), json_object_get(v, "score"),
                         json_is_true(m));
    }
    json_t *out = NULL, *d, *e;
    if (json_is_object(v)) {
        const char *k;
        json_object_foreach(v, k, e) {
            int list = json_is_array(e) && (strcmp(k, "results") == 0 || strcmp(k, "result") == 0);
            if (!(d = results_digest(e)) && list) d = json_array();
            if (!d) continue;
            if (!out) out = json_object();
            json_object_set_new(out, k, d);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_array_foreach(v, i, e) {
            if (!(d = results_digest(e))) continue;
            if (!out) out = json_array();
            json_array_append_new(out, d);
        }
    }
    return out;
}

/* text, or a marker for it when it is over AUDIT_MAX_FIELD (malloc'd
 * into *owned, NULL when text is kept). */
static const char *audit_bounded(const char *text, json_t *answer, char **owned) {
    *owned = NULL;
    size_t len = strlen(text);
    if (len <= AUDIT_MAX_FIELD) return text;
    char hash[65] = "";
    st_sha256_hex(text, len, hash);
    json_t *m = json_pack("{s:b, s:I, s:s}", "truncated", 1, "bytes", (json_int_t)len, "sha256", hash);
    if (answer) {
        json_t *d = results_digest(answer);
        if (d) json_object_set_new(m, "results", d);
    }
    *owned = m ? json_dumps(m, JSON_COMPACT) : NULL;
    if (*owned && strlen(*owned) > AUDIT_MAX_FIELD) { /* cannot happen under SRV_MAX_RESULTS */
        free(*owned);
        json_object_del(m, "results");
        *owned = json_dumps(m, JSON_COMPACT);
    }
    json_decref(m);
    return *owned ? *owned : "{\"truncated\":true}";
}

/* Record a request answered from version (a list snapshot, a store's
 * commit); on failure out becomes a 503. */
static int audit_at(srv_api *S, srv_req *r, const st_key_info *who, const char *endpoint, const char *subject,
                    const char *version, const char *input, json_t *answer, srv_resp *out) {
    char ts[40];
    char *results = json_dumps(answer, JSON_COMPACT);
    char *input_marker = NULL, *results_marker = NULL;
    const char *in = audit_bounded(input ? input : "", NULL, &input_marker);
    const char *res = results ? audit_bounded(results, answer, &results_marker) : "null";
    st_audit_rec rec = {st_db_now(ts, sizeof ts), r->key_id, endpoint, subject, version, in, res, who->name};
    st_error err;
    st_error_clear(&err);
    int rc = results ? srv_audit_write(S->audit, &rec, &err) : ST_ENOMEM;
    free(results);
    free(input_marker);
    free(results_marker);
    if (rc != ST_OK) {
        srv_error(out, 503, "audit_unavailable", "the audit trail could not record this request: %s",
                  err.msg);
        return rc;
    }
    return ST_OK;
}

/* Record a screening request against the snapshot that answered it. */
static int audit(srv_api *S, srv_req *r, const st_key_info *who, const char *endpoint, const char *subject,
                 const st_snapshot *snap, const char *input, json_t *answer, srv_resp *out) {
    return audit_at(S, r, who, endpoint, subject, st_snapshot_version(snap), input, answer, out);
}

static st_snapshot *need_snapshot(srv_api *S, json_t **cat, srv_resp *out) {
    st_snapshot *snap = srv_live_get(S->live, cat);
    if (!snap)
        srv_error(out, 503, "not_ready", "no list snapshot is loaded yet; run 'sanctrace update'");
    return snap;
}

/* ---- POST /match/{dataset} ---- */

/* The query-string arguments of a request, in order, bounded. */
typedef struct arg_list {
    srv_kv v[SRV_MAX_ARGS];
    size_t n; /* how many were sent (more than SRV_MAX_ARGS: the rest not kept) */
} arg_list;

static void arg_collect(void *ctx, const char *name, const char *value) {
    arg_list *a = ctx;
    if (a->n < SRV_MAX_ARGS) a->v[a->n] = (srv_kv){name, value};
    a->n++;
}

static void api_match(srv_api *S, srv_req *r, const st_key_info *who, const char *dataset, srv_resp *out) {
    srv_fail f = {0};
    srv_query *qs = NULL;
    size_t nq = 0;
    json_t *cat = NULL, *answer = NULL, *responses = NULL;
    st_snapshot *snap = NULL;
    arg_list args = {0};
    srv_match_params mp;
    srv_args_each(r, arg_collect, &args);
    if (srv_match_params_parse(args.v, args.n, &mp, &f) != 0) {
        srv_error(out, f.status, f.error, "%s", f.detail);
        return;
    }
    json_t *body = srv_json_parse(r->body, r->body_len, &f);
    if (!body) {
        srv_error(out, f.status, f.error, "%s", f.detail);
        return;
    }
    if (srv_match_parse(body, &qs, &nq, &f) != 0) {
        srv_error(out, f.status, f.error, "%s", f.detail);
        goto done;
    }
    if (nq * (size_t)mp.limit > SRV_MAX_RESULTS) {
        srv_error(out, 422, "too_many_results",
                  "%zu queries with limit %d could answer %zu results; at most %d per request: send "
                  "fewer queries or a lower limit",
                  nq, mp.limit, nq * (size_t)mp.limit, SRV_MAX_RESULTS);
        goto done;
    }
    if (!(snap = need_snapshot(S, &cat, out))) goto done;
    if (!dataset_known(cat, dataset)) {
        srv_error(out, 404, "unknown_dataset", "no dataset '%s'; see /catalog", dataset);
        goto done;
    }
    const char *created = catalog_created(cat);
    result_filter rf = {snap, &mp, created, NULL};
    json_t *queries = json_object_get(body, "queries");
    responses = json_object();
    json_t *subjects = json_array();
    for (size_t i = 0; i < nq; i++) {
        hits h = {0};
        st_error err;
        st_error_clear(&err);
        char subject[80];
        srv_query_subject(&qs[i], subject);
        json_array_append_new(subjects, json_string(subject));
        json_t *decisions = NULL;
        if (decisions_for(S, who, subject, NULL, 200, &decisions, &err) != ST_OK) {
            srv_error(out, 503, "store_unavailable", "%s", err.msg);
            json_decref(subjects);
            goto done;
        }
        size_t matching = 0;
        int rc = screen_query(snap, &qs[i], dataset, mp.cutoff, (size_t)mp.limit, &rf, mp.threshold,
                              &matching, &h, &err);
        json_t *resp;
        if (rc == ST_OK) {
            /* total: the matches (at or above threshold), as yente counts */
            resp = json_pack("{s:i, s:o, s:{s:I, s:s}, s:o, s:s}", "status", 200, "results",
                             results_json(snap, &h, created, decisions), "total", "value", (json_int_t)matching,
                             "relation", "eq", "query", srv_query_echo(json_object_get(queries, qs[i].key), &qs[i]),
                             "subject", subject);
        } else {
            resp = json_pack("{s:i, s:s, s:s}", "status", 400, "error", "invalid_query", "detail", err.msg);
        }
        json_object_set_new(responses, qs[i].key, resp);
        hits_free(&h);
        json_decref(decisions);
    }
    answer = json_pack("{s:o, s:{s:s, s:s}, s:i, s:s, s:s}", "responses", responses, "matcher", "name",
                       SRV_ALGORITHM, "version", ST_VERSION, "limit", mp.limit, "snapshot",
                       st_snapshot_version(snap), "algorithm", SRV_ALGORITHM);
    responses = NULL;
    char *subj = json_dumps(subjects, JSON_COMPACT);
    json_decref(subjects);
    int arc = audit(S, r, who, "match", subj ? subj : "", snap, r->body, answer, out);
    free(subj);
    if (arc != ST_OK) goto done;
    out->status = 200;
    out->json = answer;
    answer = NULL;
done:
    json_decref(answer);
    json_decref(responses);
    json_decref(cat);
    json_decref(body);
    st_free(qs);
    if (snap) st_snapshot_release(snap);
}

/* ---- GET /algorithms ---- */

/* yente's AlgorithmResponse: the one scorer served, which also answers
 * for "best" and yente's algorithm names. */
static void api_algorithms(srv_resp *out) {
    static const struct {
        const char *name, *description;
        double coefficient;
    } doc[] = {
        /* coefficient: the largest raise the feature gives (screen.c) */
        {"name", "name similarity (token alignment, transliteration, Korean syllables), weighted by the kind of listed name: the base score", 1.0},
        {"birth_date", "birth dates: the same date (+0.08) or year raises the score, a different year lowers it (-0.20)", 0.08},
        {"nationality", "nationality or citizenship: the same raises the score (+0.03), a different one lowers it (-0.10)", 0.03},
        {"country", "a country linked to the listed party (+0.02)", 0.02},
        {"id_number", "an identifier (passport, IMO, registration, ...) equal to a listed one (+0.15; alone: 0.80)", 0.15},
        {"wallet", "a crypto wallet address equal to a listed one: score 1", 1.0},
    };
    json_t *features = json_object();
    for (size_t i = 0; i < sizeof doc / sizeof doc[0]; i++)
        json_object_set_new(features, doc[i].name,
                            json_pack("{s:s, s:f, s:s}", "description", doc[i].description, "coefficient",
                                      doc[i].coefficient, "url", "https://sanctrace.invalid/docs/server.md"));
    const char *desc = "sanctrace's scorer: the name score of the best listed name, adjusted by birth "
                       "date, nationality, country and identifiers; wallets match exactly. Answers for "
                       "best, logic-v1, logic-v2, regression-v1, name-based, name-qualified, ofac-249.";
    json_t *algo = json_pack("{s:s, s:s, s:O, s:{s:s, s:s, s:{}, s:O}}", "name", SRV_ALGORITHM, "description",
                             desc, "features", features, "docs", "name", SRV_ALGORITHM, "description", desc,
                             "config", "features", features);
    json_decref(features);
    out->status = 200;
    out->json = json_pack("{s:[o], s:s, s:s}", "algorithms", algo, "default", SRV_ALGORITHM, "best",
                          SRV_ALGORITHM);
}

/* ---- GET /search/{dataset}: yente's search ---- */

/* Every entity of snap that rf lets through, in snapshot order: counted
 * into *total and the facets, those in [offset, offset + limit) kept in h
 * (score 0: a browse has no query to score against). */
static int browse(const st_snapshot *snap, const char *dataset, const result_filter *rf, size_t offset,
                  size_t limit, srv_facets *fc, size_t *total, hits *h) {
    size_t n = st_snapshot_count(snap);
    *total = 0;
    for (size_t i = 0; i < n; i++) {
        const st_entity *e = st_snapshot_entity(snap, i);
        if (!e) return ST_ENOMEM;
        if (strcmp(dataset, "default") != 0 && strcmp(e->source ? e->source : "", dataset) != 0) continue;
        if (!filter_passes(rf, e)) continue;
        if (srv_facets_add(fc, e) != ST_OK) return ST_ENOMEM;
        if (*total >= offset && *total < offset + limit) {
            st_match m = {.entity = e, .name = e->caption};
            if (hits_add(h, &m) != ST_OK) return ST_ENOMEM;
        }
        (*total)++;
    }
    return ST_OK;
}

/* yente's /search: q (a name, screened as /match screens one; without q
 * every entity passing the filters, in snapshot order), schema, countries,
 * topics, datasets, include_dataset, exclude_dataset, exclude_schema,
 * changed_since, filter_op, limit, offset, facets; sanctrace's wallet,
 * birthDate, nationality, country, idNumber, subject, threshold, cutoff.
 * total counts every result passing the filters (relation "gte" when the
 * engine's 500 per name may have cut it), facets count them all. */
static void api_search(srv_api *S, srv_req *r, const st_key_info *who, const char *dataset, srv_resp *out) {
    json_t *cat = NULL, *decisions = NULL, *answer = NULL, *input = NULL;
    hits h = {0};
    srv_facets *fc = NULL;
    st_error err;
    st_error_clear(&err);
    srv_query q;
    memset(&q, 0, sizeof q);
    srv_fail f = {0};
    arg_list args = {0};
    srv_search_params sp;
    srv_args_each(r, arg_collect, &args);
    if (srv_search_params_parse(args.v, args.n, &sp, &f) != 0) {
        srv_error(out, f.status, f.error, "%s", f.detail);
        return;
    }
    if (!srv_ftm_schema_known(sp.schema)) {
        srv_error(out, 400, "invalid_schema", "Invalid schema: %.60s", sp.schema);
        return;
    }
    const char *text = srv_arg(r, "q");
    const char *wallet = srv_arg(r, "wallet");
    const char *v;
    if (text && *text) q.names[q.n_names++] = text;
    if (wallet && *wallet) q.wallets[q.n_wallets++] = wallet;
    if ((v = srv_arg(r, "birthDate")) && *v) q.birth_dates[q.n_birth_dates++] = v;
    if ((v = srv_arg(r, "nationality")) && *v) q.nationalities[q.n_nationalities++] = v;
    if ((v = srv_arg(r, "country")) && *v) q.countries[q.n_countries++] = v;
    if ((v = srv_arg(r, "idNumber")) && *v) q.id_numbers[q.n_id_numbers++] = v;
    for (int i = 0; i < q.n_names + q.n_wallets + q.n_id_numbers; i++) {
        const char *val = i < q.n_names ? q.names[0] : i < q.n_names + q.n_wallets ? q.wallets[0] : q.id_numbers[0];
        if (strlen(val) > SRV_MAX_VALUE_LEN) {
            srv_error(out, 422, "invalid_request", "q is longer than %d bytes", SRV_MAX_VALUE_LEN);
            return;
        }
    }
    /* the engine reads sanctrace's schemata; a parent (Thing, LegalEntity,
     * Asset, ...) is left to the filter */
    q.schema = st_schema_parse(sp.schema) != ST_SCHEMA_UNKNOWN ? sp.schema : NULL;
    q.id = (v = srv_arg(r, "subject")) && *v ? v : NULL;
    int screening = q.n_names || q.n_wallets || q.n_id_numbers;
    st_snapshot *snap = need_snapshot(S, &cat, out);
    if (!snap) return;
    if (!dataset_known(cat, dataset)) {
        srv_error(out, 404, "unknown_dataset", "no dataset '%s'; see /catalog", dataset);
        goto done;
    }
    if (!(fc = srv_facets_new(sp.facets))) {
        srv_error(out, 503, "out_of_memory", "no memory for the facets");
        goto done;
    }
    result_filter rf = {snap, &sp.m, catalog_created(cat), &sp};
    char subject[80];
    srv_query_subject(&q, subject);
    if (decisions_for(S, who, subject, NULL, 200, &decisions, &err) != ST_OK) {
        srv_error(out, 503, "store_unavailable", "%s", err.msg);
        goto done;
    }
    size_t total = 0;
    const char *relation = "eq";
    if (screening) {
        if (screen_query(snap, &q, dataset, sp.m.cutoff, SRV_MAX_LIMIT, &rf, 2, NULL, &h, &err) != ST_OK) {
            srv_error(out, 422, "invalid_query", "%s", err.msg);
            goto done;
        }
        total = h.n;
        if (total >= SRV_MAX_LIMIT) relation = "gte";
        for (size_t i = 0; i < h.n; i++)
            if (srv_facets_add(fc, h.v[i].entity) != ST_OK) {
                srv_error(out, 503, "out_of_memory", "no memory for the facets");
                goto done;
            }
        /* the page: [offset, offset + limit) of the sorted results */
        size_t from = (size_t)sp.offset < h.n ? (size_t)sp.offset : h.n;
        for (size_t i = 0; i < from; i++) json_decref(h.v[i].explanation);
        if (from) memmove(h.v, h.v + from, (h.n - from) * sizeof *h.v); /* v is NULL when empty */
        h.n -= from;
        while (h.n > (size_t)sp.limit) json_decref(h.v[--h.n].explanation);
    } else if (browse(snap, dataset, &rf, (size_t)sp.offset, (size_t)sp.limit, fc, &total, &h) != ST_OK) {
        srv_error(out, 503, "out_of_memory", "no memory to list the entities");
        goto done;
    }
    json_t *results = screening ? results_json(snap, &h, catalog_created(cat), decisions) : json_array();
    for (size_t i = 0; !screening && i < h.n; i++) {
        json_t *o = entity_json(snap, h.v[i].entity, catalog_created(cat));
        char hash[65] = "";
        entity_hash(h.v[i].entity, hash);
        json_object_set_new(o, "entity_hash", json_string(hash));
        json_array_append_new(results, o);
    }
    answer = json_pack("{s:o, s:o, s:{s:I, s:s}, s:i, s:i, s:s, s:s, s:f}", "results", results, "facets",
                       srv_facets_json(fc), "total", "value", (json_int_t)total, "relation", relation, "limit",
                       sp.limit, "offset", sp.offset, "subject", subject, "snapshot", st_snapshot_version(snap),
                       "threshold", sp.m.threshold);
    input = json_pack("{s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:s, s:i, s:i}", "q", text, "wallet", wallet, "schema",
                      sp.schema, "birthDate", q.n_birth_dates ? q.birth_dates[0] : NULL, "nationality",
                      q.n_nationalities ? q.nationalities[0] : NULL, "idNumber",
                      q.n_id_numbers ? q.id_numbers[0] : NULL, "dataset", dataset, "limit", sp.limit, "offset",
                      sp.offset);
    char *in = json_dumps(input, JSON_COMPACT);
    int arc = audit(S, r, who, "search", subject, snap, in ? in : "", answer, out);
    free(in);
    if (arc != ST_OK) goto done;
    out->status = 200;
    out->json = answer;
    answer = NULL;
done:
    srv_facets_free(fc);
    hits_free(&h);
    json_decref(input);
    json_decref(answer);
    json_decref(decisions);
    json_decref(cat);
    st_snapshot_release(snap);
}

/* ---- GET /entities/{id} ---- */

static void api_entity(srv_api *S, srv_req *r, const st_key_info *who, const char *id, srv_resp *out) {
    json_t *cat = NULL;
    st_snapshot *snap = need_snapshot(S, &cat, out);
    if (!snap) return;
    const st_entity *e = st_snapshot_find(snap, id);
    char fid[ST_FTM_ID_MAX + 1];
    if (e) st_entity_ftm_id(e->id, fid);
    if (!e) {
        srv_error(out, 404, "not_found", "no entity '%s' in snapshot %s", id, st_snapshot_version(snap));
    } else if (strcmp(fid, id) != 0) {
        /* a referent (sanctrace's own id, as stored decisions and alerts
         * hold it): yente answers a merged id with a permanent redirect */
        srv_error(out, 308, "moved", "entity '%s' is '%s'", id, fid);
        snprintf(out->location, sizeof out->location, "/entities/%s", fid);
        const char *q = srv_arg(r, "nested");
        if (q && (strcmp(q, "true") == 0 || strcmp(q, "false") == 0)) snprintf(out->location + strlen(out->location), sizeof out->location - strlen(out->location),
                        "?nested=%.8s", q);
    }
    if (!e || out->status == 308) {
        json_decref(cat);
        st_snapshot_release(snap);
        return;
    }
    json_t *o = entity_json(snap, e, catalog_created(cat));
    entity_add_nested(o, e);
    json_decref(cat);
    char hash[65] = "";
    entity_hash(e, hash);
    json_object_set_new(o, "entity_hash", json_string(hash));
    json_object_set_new(o, "snapshot", json_string(st_snapshot_version(snap)));
    if (e->remarks) json_object_set_new(o, "remarks", json_string(e->remarks));
    json_t *decisions = NULL;
    st_error err;
    if (decisions_for(S, who, NULL, e->id, 50, &decisions, &err) == ST_OK)
        json_object_set_new(o, "decisions", decisions);
    out->status = 200;
    out->json = o;
    st_snapshot_release(snap);
}

/* ---- decisions ---- */

/* The analyst is who holds the key: a body "analyst" is accepted for old
 * clients and ignored, so no key can record a decision in another name. */
static void api_decision_add(srv_api *S, srv_req *r, const st_key_info *who, srv_resp *out) {
    srv_fail f = {0};
    json_t *body = srv_json_parse(r->body, r->body_len, &f);
    if (!body) {
        srv_error(out, f.status, f.error, "%s", f.detail);
        return;
    }
    const char *subject = NULL, *entity = NULL, *decision = NULL, *comment = "", *analyst = "";
    json_error_t je;
    if (json_unpack_ex(body, &je, 0, "{s:s, s:s, s:s, s?s, s?s}", "subject", &subject, "entity_id",
                       &entity, "decision", &decision, "comment", &comment, "analyst", &analyst) != 0) {
        srv_error(out, 422, "invalid_request", "%s (expected {subject, entity_id, decision, comment, analyst})",
                  je.text);
        json_decref(body);
        return;
    }
    if (!st_decision_valid(decision) || !*subject || strlen(subject) > 200 || strlen(comment) > 4000 ||
        strlen(analyst) > 200) {
        srv_error(out, 422, "invalid_request",
                  "decision must be false_positive, confirmed or escalated; subject 1..200 bytes,"
                  " comment up to 4000, analyst up to 200");
        json_decref(body);
        return;
    }
    st_snapshot *snap = need_snapshot(S, NULL, out);
    if (!snap) {
        json_decref(body);
        return;
    }
    const st_entity *e = st_snapshot_find(snap, entity);
    if (!e) {
        srv_error(out, 404, "not_found", "no entity '%s' in snapshot %s", entity, st_snapshot_version(snap));
    } else {
        char hash[65] = "", fid[ST_FTM_ID_MAX + 1];
        entity_hash(e, hash);
        st_entity_ftm_id(e->id, fid);
        /* kept under sanctrace's id, whichever form was sent: one key per entity */
        st_decision d = {subject, e->id, decision, comment, who->name, hash, r->key_id};
        long long id = 0;
        st_error err;
        st_error_clear(&err);
        if (st_db_decision_add(S->store, &d, &id, &err) != ST_OK) {
            srv_error(out, 503, "store_unavailable", "%s", err.msg);
        } else {
            out->status = 201;
            out->json = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)id,
                                  "subject", subject, "entity_id", fid, "decision", decision,
                                  "comment", comment, "analyst", who->name, "entity_hash", hash,
                                  "key_id", r->key_id);
        }
    }
    st_snapshot_release(snap);
    json_decref(body);
}

static void api_decisions(srv_api *S, srv_req *r, srv_resp *out) {
    json_t *arr = NULL;
    st_error err;
    st_error_clear(&err);
    const char *subject = srv_arg(r, "subject"), *entity = srv_arg(r, "entity_id");
    /* either id form finds the decisions, which are kept under sanctrace's */
    st_snapshot *snap = entity && *entity ? srv_live_get(S->live, NULL) : NULL;
    const st_entity *e = snap ? st_snapshot_find(snap, entity) : NULL;
    int rc = st_db_decisions(S->store, subject && *subject ? subject : NULL,
                             e ? e->id : entity && *entity ? entity : NULL, 500, &arr, &err);
    if (snap) st_snapshot_release(snap);
    if (rc != ST_OK) {
        srv_error(out, 503, "store_unavailable", "%s", err.msg);
        return;
    }
    decisions_ftm_ids(arr);
    out->status = 200;
    out->json = json_pack("{s:o}", "decisions", arr);
}

/* ---- GET /alerts?after=ID&limit=N ---- */

/* ---- POST /applicants/check ---- */

/* The ring each application in the body would join, its risk and
 * evidence; the state is not changed (applicants.c).  Audited like a
 * screening, with the snapshot field naming the rings state. */
static void api_applicants_check(srv_api *S, srv_req *r, const st_key_info *who, srv_resp *out) {
    if (!S->applicants) {
        srv_error(out, 404, "not_found", "no applicants state: start the server with --rings-state DIR");
        return;
    }
    json_t *ans = NULL;
    st_error err;
    st_error_clear(&err);
    /* one applicant object, a list of them, or JSON lines: as lines */
    const char *body = r->body ? r->body : "";
    size_t blen = r->body_len;
    char *lines = NULL;
    json_t *doc = json_loadb(body, blen, 0, NULL);
    if (json_is_object(doc) || json_is_array(doc)) {
        /* written again, each applicant whole: re-serialising may grow a
           value (0.1 reads back as 0.10000000000000001), so the buffer
           grows with it, and an applicant that cannot be written fails
           the request rather than going unchecked */
        size_t cap = blen + 64, used = 0, i;
        lines = st_malloc(cap);
        json_t *list = json_is_array(doc) ? doc : NULL;
        for (i = 0; lines && i < (list ? json_array_size(list) : 1); i++) {
            char *t = json_dumps(list ? json_array_get(list, i) : doc, JSON_COMPACT);
            size_t tl = t ? strlen(t) : 0;
            if (t && used + tl + 2 > cap) {
                size_t nc = (used + tl + 2) * 2;
                char *g = st_realloc(lines, nc);
                if (g) lines = g, cap = nc;
                else st_free(lines), lines = NULL;
            }
            if (t && lines) {
                memcpy(lines + used, t, tl);
                used += tl;
                lines[used++] = '\n';
            } else {
                st_free(lines);
                lines = NULL;
            }
            free(t);
        }
        json_decref(doc);
        if (!lines) {
            srv_error(out, 500, "internal", "out of memory");
            return;
        }
        body = lines;
        blen = used;
    } else
        json_decref(doc);
    int rc = srv_applicants_check(S->applicants, body, blen, &ans, &err);
    st_free(lines);
    if (rc == ST_ENOTFOUND) { srv_error(out, 503, "not_ready", "%s", err.msg); return; }
    if (rc == ST_EPARSE) { srv_error(out, 422, "invalid_request", "%s", err.msg); return; }
    if (rc != ST_OK) { srv_error(out, 500, "internal", "%s", err.msg); return; }
    if (r->body_len && memchr(r->body, 0, r->body_len)) { /* the audit keeps text: what it records must be all that was checked */
        json_decref(ans);
        srv_error(out, 422, "invalid_request", "the body holds a NUL byte");
        return;
    }
    const char *subject = json_string_value(json_object_get(json_array_get(json_object_get(ans, "checks"), 0), "id"));
    char ts[40];
    char *input = st_malloc(r->body_len + 1);
    if (!input) { json_decref(ans); srv_error(out, 500, "internal", "out of memory"); return; }
    memcpy(input, r->body ? r->body : "", r->body_len);
    input[r->body_len] = 0;
    char *results = json_dumps(ans, JSON_COMPACT), *in_marker = NULL, *res_marker = NULL;
    const char *in = audit_bounded(input, NULL, &in_marker);
    const char *res = results ? audit_bounded(results, NULL, &res_marker) : "null";
    st_audit_rec rec = {st_db_now(ts, sizeof ts), r->key_id, "applicants/check", subject ? subject : "",
                        "rings-state", in, res, who->name};
    rc = results ? srv_audit_write(S->audit, &rec, &err) : ST_ENOMEM;
    st_free(input);
    free(results);
    free(in_marker);
    free(res_marker);
    if (rc != ST_OK) {
        json_decref(ans);
        srv_error(out, 503, "audit_unavailable", "the audit trail could not record this request: %s", err.msg);
        return;
    }
    out->status = 200;
    out->json = ans;
}

static void api_alerts(srv_api *S, srv_req *r, srv_resp *out) {
    double after = arg_double(r, "after", 0, 0, 9e15), limit = arg_double(r, "limit", 1000, 1, 10000);
    if (after < -1 || limit < -1) {
        srv_error(out, 422, "invalid_request", "after must be an alert id, limit 1..10000");
        return;
    }
    json_t *arr = NULL;
    st_error err;
    st_error_clear(&err);
    if (st_db_alerts(S->store, (long long)after, (int)limit, &arr, &err) != ST_OK) {
        srv_error(out, 503, "store_unavailable", "%s", err.msg);
        return;
    }
    out->status = 200;
    out->json = json_pack("{s:o}", "alerts", arr);
}

/* ---- W3C reconciliation API ---- */

/* Is e of one of the types q asks for?  One type was screened as that
 * schema; of several, a result of any of them is kept; a type sanctrace
 * does not know (or LegalEntity, Thing) keeps every result. */
static int recon_type_wanted(const srv_query *q, const st_entity *e) {
    if (q->n_types < 2) return 1;
    for (int i = 0; i < q->n_types; i++) {
        const char *t = q->types[i];
        st_schema s = st_schema_parse(t);
        if (s == ST_SCHEMA_UNKNOWN || s == e->schema) return 1;
    }
    return 0;
}

static void reconcile_answer(srv_api *S, srv_req *r, const st_key_info *who, const char *dataset,
                             json_t *queries, const char *input, srv_resp *out) {
    srv_fail f = {0};
    srv_query *qs = NULL;
    size_t nq = 0;
    if (srv_reconcile_parse(queries, &qs, &nq, &f) != 0) {
        srv_error(out, f.status, f.error, "%s", f.detail);
        return;
    }
    size_t wanted = 0;
    for (size_t i = 0; i < nq; i++) wanted += qs[i].limit > 0 ? (size_t)qs[i].limit : 5;
    if (wanted > SRV_MAX_RESULTS) {
        srv_error(out, 422, "too_many_results",
                  "the queries ask for %zu results; at most %d per request: send fewer queries or "
                  "lower limits",
                  wanted, SRV_MAX_RESULTS);
        st_free(qs);
        return;
    }
    st_snapshot *snap = need_snapshot(S, NULL, out);
    if (!snap) {
        st_free(qs);
        return;
    }
    json_t *answer = json_object();
    json_t *subjects = json_array();
    for (size_t i = 0; i < nq; i++) {
        hits h = {0};
        st_error err;
        st_error_clear(&err);
        char subject[80];
        srv_query_subject(&qs[i], subject);
        json_array_append_new(subjects, json_string(subject));
        size_t limit = qs[i].limit > 0 ? (size_t)qs[i].limit : 5;
        json_t *res = json_array();
        /* a blank cell has nothing to screen: no candidates, the batch goes on */
        if (!srv_query_empty(&qs[i]) &&
            screen_query(snap, &qs[i], dataset, 0.5, limit, NULL, 2, NULL, &h, &err) == ST_OK) {
            for (size_t k = 0; k < h.n; k++) {
                const st_entity *e = h.v[k].entity;
                if (!recon_type_wanted(&qs[i], e)) continue;
                const char *schema = st_schema_ftm_name(e->schema);
                char fid[ST_FTM_ID_MAX + 1];
                st_entity_ftm_id(e->id, fid);
                char desc[256] = "";
                size_t dl = (size_t)snprintf(desc, sizeof desc, "%s", e->source ? e->source : "");
                for (size_t p = 0; p < e->n_programs && dl < sizeof desc; p++)
                    dl += (size_t)snprintf(desc + dl, sizeof desc - dl, "%s%s", p ? ", " : " - ", e->programs[p]);
                json_array_append_new(
                    res, json_pack("{s:s, s:s, s:[{s:s, s:s}], s:f, s:b, s:s}", "id", fid, "name",
                                   e->caption ? e->caption : fid, "type", "id", schema, "name", schema,
                                   "score", h.v[k].score * 100.0, "match",
                                   h.v[k].score >= ST_DEFAULT_THRESHOLD, "description", desc));
            }
        }
        hits_free(&h);
        json_object_set_new(answer, qs[i].key, json_pack("{s:o}", "result", res));
    }
    char *subj = json_dumps(subjects, JSON_COMPACT);
    json_decref(subjects);
    int arc = audit(S, r, who, "reconcile", subj ? subj : "", snap, input, answer, out);
    free(subj);
    if (arc == ST_OK) {
        out->status = 200;
        out->json = answer;
    } else json_decref(answer);
    st_free(qs);
    st_snapshot_release(snap);
}

static void api_reconcile(srv_api *S, srv_req *r, const st_key_info *who, const char *dataset,
                          const char *base, srv_resp *out) {
    json_t *queries = NULL, *body = NULL;
    json_error_t je;
    char *form = NULL;
    const char *text = NULL;
    if (strcmp(r->method, "GET") == 0) {
        text = srv_arg(r, "queries");
        const char *ext = srv_arg(r, "extend");
        if (!text && ext && *ext) {
            srv_reconcile_extend(S, ext, out);
            return;
        }
        if (!text) {
            srv_reconcile_manifest(r, base, out);
            return;
        }
    } else {
        const char *ct = srv_header(r, "Content-Type");
        if (ct && strncmp(ct, "application/json", 16) == 0) {
            srv_fail f = {0};
            if (!(body = srv_json_parse(r->body, r->body_len, &f))) {
                srv_error(out, f.status, f.error, "%s", f.detail);
                return;
            }
            queries = json_incref(json_object_get(body, "queries"));
            if (!queries) {
                srv_error(out, 422, "invalid_request", "expected {\"queries\": {...}}");
                json_decref(body);
                return;
            }
        } else {
            form = st_malloc(r->body_len + 1);
            if (!form) {
                srv_error(out, 503, "out_of_memory", "no memory for the form");
                return;
            }
            int fr = r->body ? srv_form_value(r->body, r->body_len, "queries", form, r->body_len + 1) : 0;
            if (fr != 1 && r->body &&
                srv_form_value(r->body, r->body_len, "extend", form, r->body_len + 1) == 1 && *form) {
                /* data extension: OpenRefine posts extend= as a form */
                srv_reconcile_extend(S, form, out);
                st_free(form);
                return;
            }
            if (fr != 1) {
                /* OpenRefine fetches the manifest with a bare POST too */
                st_free(form);
                srv_reconcile_manifest(r, base, out);
                return;
            }
            text = form;
        }
    }
    if (!queries) {
        queries = json_loads(text, 0, &je);
        if (!queries) {
            srv_error(out, 400, "invalid_json", "queries: line %d, column %d: %s", je.line, je.column, je.text);
            st_free(form);
            return;
        }
    }
    char *input = json_dumps(queries, JSON_COMPACT);
    reconcile_answer(S, r, who, dataset, queries, input ? input : "", out);
    free(input);
    json_decref(queries);
    json_decref(body);
    st_free(form);
}

/* ---- catalog and probes ---- */

/* yente's DataCatalogModel (datasets, current, outdated, index_stale)
 * beside sanctrace's own status: the snapshot, the manifest as
 * "catalog", the updater and monitoring. */
static void api_catalog(srv_api *S, srv_req *r, srv_resp *out) {
    json_t *cat = NULL;
    st_snapshot *snap = srv_live_get(S->live, &cat);
    json_t *o = srv_live_status(S->live);
    json_t *y = cat ? srv_yente_catalog(cat, o) : json_pack("{s:[], s:[], s:[], s:b}", "datasets", "current",
                                                             "outdated", "index_stale", 0);
    json_object_update(o, y);
    json_decref(y);
    json_object_set_new(o, "catalog", cat ? cat : json_null());
    if (snap) {
        json_object_set_new(o, "entities", json_integer((json_int_t)st_snapshot_count(snap)));
        st_snapshot_release(snap);
    }
    /* a strong ETag over the whole answer, as yente validates its catalog:
     * a poller's If-None-Match gets 304 until anything in it changes */
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS), hex[65];
    if (text) {
        st_sha256_hex(text, strlen(text), hex);
        snprintf(out->etag, sizeof out->etag, "\"%.40s\"", hex);
        free(text);
    }
    const char *inm = srv_header(r, "If-None-Match");
    if (out->etag[0] && inm && (strstr(inm, out->etag) || strcmp(inm, "*") == 0)) {
        json_decref(o);
        out->status = 304;
        out->raw = (const unsigned char *)"";
        out->raw_len = 0;
        out->type = "application/json";
        return;
    }
    out->status = 200;
    out->json = o;
}

/* yente's readiness: 200 {"status": "ok"} once a snapshot is served
 * ("degraded" with the error after a failed update: still serving), 503
 * {"detail": "Index not ready."} before; sanctrace's status beside it. */
static void api_readyz(srv_api *S, srv_resp *out) {
    st_snapshot *snap = srv_live_get(S->live, NULL);
    json_t *o = srv_live_status(S->live);
    const char *last_error = json_string_value(json_object_get(json_object_get(o, "last_update"), "error"));
    const char *status = !snap ? "not_ready" : last_error && *last_error ? "degraded" : "ok";
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "ready", json_boolean(snap != NULL));
    if (!snap) {
        json_object_set_new(o, "error", json_string("not_ready"));
        json_object_set_new(o, "detail", json_string("Index not ready."));
    }
    out->status = snap ? 200 : 503;
    out->json = o;
    if (snap) st_snapshot_release(snap);
}

static void api_static(const char *path, srv_resp *out) {
    for (size_t i = 0; i < st_web_assets_count; i++) {
        if (strcmp(st_web_assets[i].path, path) != 0) continue;
        out->status = 200;
        out->raw = st_web_assets[i].data;
        out->raw_len = st_web_assets[i].len;
        out->type = st_web_assets[i].type;
        return;
    }
    srv_error(out, 404, "not_found", "no page %s", path);
}

/* The API key a client sent: "Authorization: ApiKey K" or "Bearer K",
 * "X-API-Key: K", or ?api_key=K (for tools that cannot set headers). */
static const char *request_key(srv_req *r) {
    const char *h = srv_header(r, "Authorization");
    if (h) {
        if (strncasecmp(h, "ApiKey ", 7) == 0) return h + 7;
        if (strncasecmp(h, "Bearer ", 7) == 0) return h + 7;
    }
    if ((h = srv_header(r, "X-API-Key"))) return h;
    return srv_arg(r, "api_key");
}

/* Paths anyone may read: probes and the page itself (its API calls carry a key). */
static int path_is_public(const char *url, const char *method) {
    if (strcmp(method, "OPTIONS") == 0) return 1;
    if (strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0) return 1;
    if (strcmp(method, "GET") != 0) return 0;
    if (strcmp(url, "/") == 0) return 1;
    return strncmp(url, "/static/", 8) == 0;
}

/* With keys on, every path but the public ones needs a known, unrevoked
 * key: its id goes into r->key_id.  0, or -1 with out filled (401, 503). */
static int authenticate(srv_api *S, srv_req *r, srv_resp *out) {
    if (!S->auth || path_is_public(r->url, r->method)) return 0;
    const char *key = request_key(r);
    int ok = 0;
    st_error err;
    st_error_clear(&err);
    if (!key) {
        srv_error(out, 401, "unauthorized",
                  "an API key is required: send 'Authorization: ApiKey <key>' "
                  "(create one with 'sanctrace serve keys add NAME')");
        return -1;
    }
    if (st_db_key_check(S->store, key, &ok, r->key_id, &err) != ST_OK) {
        srv_error(out, 503, "store_unavailable", "cannot check the API key: %s", err.msg);
        return -1;
    }
    if (!ok) {
        srv_error(out, 401, "unauthorized", "the API key is not known or was revoked");
        return -1;
    }
    return 0;
}

/* Who sent r: the checked key's name and role, "local" with every right
 * when keys are off, no role for a keyless request to a public path.
 * 0, or -1 with out filled (the key went away, or the store failed). */
static int caller_of(srv_api *S, srv_req *r, st_key_info *who, srv_resp *out) {
    memset(who, 0, sizeof *who);
    if (!S->auth) {
        snprintf(who->name, sizeof who->name, "local");
        who->role = ST_ROLE_ADMIN;
        return 0;
    }
    if (!r->key_id[0]) return 0;
    int found = 0;
    st_error err;
    st_error_clear(&err);
    if (st_db_key_info(S->store, r->key_id, who, &found, &err) != ST_OK) {
        srv_error(out, 503, "store_unavailable", "cannot read the API key: %s", err.msg);
        return -1;
    }
    if (!found) {
        srv_error(out, 401, "unauthorized", "the API key is not known or was revoked");
        return -1;
    }
    return 0;
}

/* /reconcile[/{dataset}[/service]]: matching (and data extension) on the
 * dataset's own path, as yente serves it; /reconcile alone is "default".
 * rest is what follows "/reconcile". */
static void api_reconcile_route(srv_api *S, srv_req *r, const st_key_info *who, const char *rest, srv_resp *out) {
    char dataset[80] = "default", base[100] = "/reconcile";
    const char *sub = "";
    int get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
    if (*rest == '/' && rest[1]) {
        const char *end = strchr(rest + 1, '/');
        size_t n = end ? (size_t)(end - rest - 1) : strlen(rest + 1);
        if (n >= 64) {
            srv_error(out, 404, "unknown_dataset", "no such dataset; see /catalog");
            return;
        }
        memcpy(dataset, rest + 1, n);
        dataset[n] = 0;
        snprintf(base, sizeof base, "/reconcile/%s", dataset);
        sub = end ? end : "";
    }
    json_t *cat = NULL;
    st_snapshot *snap = srv_live_get(S->live, &cat);
    int known = strcmp(dataset, "default") == 0 || (cat && dataset_known(cat, dataset));
    json_decref(cat);
    if (snap) st_snapshot_release(snap);
    if (!known) {
        srv_error(out, 404, "unknown_dataset", "no dataset '%s'; see /catalog", dataset);
    } else if (!*sub || strcmp(sub, "/") == 0) {
        if (!get && strcmp(r->method, "POST") != 0)
            srv_error(out, 405, "method_not_allowed", "use GET or POST for %s", base);
        else api_reconcile(S, r, who, dataset, base, out);
    } else if (!get) {
        srv_error(out, 405, "method_not_allowed", "use GET for %s%s", base, sub);
    } else if (strcmp(sub, "/suggest/entity") == 0 || strcmp(sub, "/suggest/type") == 0 ||
               strcmp(sub, "/suggest/property") == 0) {
        srv_reconcile_suggest(S, r, dataset, sub + 9, out);
    } else if (strcmp(sub, "/preview") == 0) {
        srv_reconcile_preview(S, r, out);
    } else if (strcmp(sub, "/extend/property") == 0) {
        srv_reconcile_propose(r, out);
    } else {
        srv_error(out, 404, "not_found", "no reconciliation service %s%s", base, sub);
    }
}

/* A whole number in [0, max] from argument name, or dflt when absent; -2
 * after answering 422 (why in words). */
static long long arg_count(srv_req *r, const char *name, long long dflt, long long max, const char *why, srv_resp *out) {
    const char *v = srv_arg(r, name);
    if (!v) return dflt;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || errno || x < 0 || x > max) {
        srv_error(out, 422, "invalid_request", "%s: %s", name, why);
        return -2;
    }
    return x;
}

/* GET /evm/stats, /evm/tx/{id}, /evm/address/{address}[?at_block=N],
 * /evm/flows/{address}[?from_block=B&offset=I&limit=N], each [&eip55=1]: the answers
 * of `evm stats|tx|address|flows` (evm.h), from the store's newest commit,
 * each recorded in the audit trail with that commit and the subject as
 * the store names it. */
static void api_evm(srv_api *S, srv_req *r, const st_key_info *who, const char *what, srv_resp *out) {
    if (!S->evm) {
        srv_error(out, 404, "not_found", "no Ethereum store: start the server with --evm-db DIR");
        return;
    }
    int address = !strncmp(what, "address/", 8), flows = !strncmp(what, "flows/", 6);
    if ((srv_arg(r, "at_block") && !address) ||
        ((srv_arg(r, "offset") || srv_arg(r, "limit") || srv_arg(r, "from_block")) && !flows)) {
        srv_error(out, 422, "invalid_request", "at_block is for /evm/address/, from_block, offset and limit for /evm/flows/");
        return;
    }
    srv_evm_args a = {-1, -1, 0, 100, 0};
    long long at = arg_count(r, "at_block", -1, INT64_MAX, "a block number (0 or more)", out),
              fb = at == -2 ? -2 : arg_count(r, "from_block", -1, INT64_MAX, "a block number (0 or more)", out),
              off = fb == -2 ? -2 : arg_count(r, "offset", 0, INT64_MAX, "a flow index (0 or more)", out),
              lim = off == -2 ? -2 : arg_count(r, "limit", 100, 1000, "1 to 1000 flows", out);
    if (at == -2 || fb == -2 || off == -2 || lim == -2) return;
    if (lim == 0) {
        srv_error(out, 422, "invalid_request", "limit: 1 to 1000 flows");
        return;
    }
    a.at_block = at, a.from_block = fb, a.offset = (uint64_t)off, a.limit = (uint64_t)lim;
    const char *e55 = srv_arg(r, "eip55");
    a.eip55 = e55 && (!strcmp(e55, "1") || !strcmp(e55, "true"));
    if (e55 && !a.eip55 && strcmp(e55, "0") && strcmp(e55, "false")) {
        srv_error(out, 422, "invalid_request", "eip55: 1 or 0 (true or false)");
        return;
    }
    json_t *ans = NULL;
    char version[48], endpoint[24];
    st_error err;
    st_error_clear(&err);
    int rc = srv_evm_query(S->evm, what, &a, &ans, version, &err);
    if (rc == ST_EINVAL) { srv_error(out, 422, "invalid_request", "%s", err.msg); return; }
    if (rc == ST_ENOTFOUND) { srv_error(out, 404, "not_found", "%s", err.msg); return; }
    if (rc == ST_EIO) { srv_error(out, 503, "not_ready", "%s", err.msg); return; }
    if (rc != ST_OK) { srv_error(out, 500, "internal", "%s", err.msg); return; }
    const char *slash = strchr(what, '/');
    snprintf(endpoint, sizeof endpoint, "evm/%.*s", slash ? (int)(slash - what) : (int)strlen(what), what);
    /* the subject as the store names it (lowercase), not as it was typed:
     * one address or transaction is one subject in the audit trail */
    const char *named = json_string_value(json_object_get(ans, "address"));
    if (!named) named = json_string_value(json_object_get(ans, "hash"));
    char subject[100];
    snprintf(subject, sizeof subject, "%s", named ? named : slash ? slash + 1 : "");
    for (char *c = subject; *c; c++) *c = (char)tolower((unsigned char)*c);
    char input[200];
    snprintf(input, sizeof input, "{\"at_block\":%lld,\"from_block\":%lld,\"offset\":%llu,\"limit\":%llu,\"eip55\":%s}",
             (long long)a.at_block, (long long)a.from_block, (unsigned long long)a.offset, (unsigned long long)a.limit,
             a.eip55 ? "true" : "false");
    if (audit_at(S, r, who, endpoint, subject, version, input, ans, out) != ST_OK) {
        json_decref(ans);
        return;
    }
    out->status = 200;
    out->json = ans;
}

void srv_api_dispatch(void *ctx, srv_req *r, srv_resp *out) {
    srv_api *S = ctx;
    const char *m = r->method, *url = r->url, *rest;
    if (authenticate(S, r, out) != 0) return;
    int get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0, post = strcmp(m, "POST") == 0;
    if (strcmp(m, "OPTIONS") == 0) {
        out->status = 204;
        out->raw = (const unsigned char *)"";
        out->raw_len = 0;
        out->type = "text/plain";
        return;
    }
    st_key_info who;
    if (caller_of(S, r, &who, out) != 0) return;
    if (route(url, "/match/", &rest) && *rest && !strchr(rest, '/')) {
        if (!post) srv_error(out, 405, "method_not_allowed", "use POST for /match/%s", rest);
        else if (allowed(&who, ST_ROLE_READ, "screen", out)) api_match(S, r, &who, rest, out);
    } else if (route(url, "/search/", &rest) && *rest && !strchr(rest, '/')) {
        if (!get) srv_error(out, 405, "method_not_allowed", "use GET for /search/%s", rest);
        else if (allowed(&who, ST_ROLE_READ, "screen", out)) api_search(S, r, &who, rest, out);
    } else if (route(url, "/entities/", &rest) && *rest) {
        if (!get) srv_error(out, 405, "method_not_allowed", "use GET for /entities/{id}");
        else if (allowed(&who, ST_ROLE_READ, "read entities", out)) api_entity(S, r, &who, rest, out);
    } else if (route(url, "/reconcile", &rest) && (!*rest || *rest == '/')) {
        /* JSONP (reconciliation 0.1): ?callback=NAME wraps the answer, errors
         * too; the name is checked first, as it is written into script */
        const char *cb = srv_arg(r, "callback");
        if (cb && !srv_callback_valid(cb)) {
            srv_error(out, 400, "invalid_callback",
                      "callback: 1 to %d letters, digits, '_', '$' or '.' (a JavaScript name)", SRV_MAX_CALLBACK);
            return;
        }
        if (allowed(&who, ST_ROLE_READ, "screen", out)) api_reconcile_route(S, r, &who, rest, out);
        if (cb && out->json) out->jsonp = cb;
    } else if (strcmp(url, "/evm") == 0) { /* whether the queries below are served (the page asks first) */
        if (!get) srv_error(out, 405, "method_not_allowed", "use GET for /evm");
        else if (allowed(&who, ST_ROLE_READ, "read the Ethereum store", out)) {
            out->status = 200;
            out->json = json_pack("{s:b}", "store", S->evm != NULL);
        }
    } else if (route(url, "/evm/", &rest) && *rest) {
        if (!get) srv_error(out, 405, "method_not_allowed", "use GET for /evm/%s", rest);
        else if (allowed(&who, ST_ROLE_READ, "read the Ethereum store", out)) api_evm(S, r, &who, rest, out);
    } else if (strcmp(url, "/decisions") == 0) {
        if (post) {
            if (allowed(&who, ST_ROLE_ANALYST, "record decisions", out)) api_decision_add(S, r, &who, out);
        } else if (get) {
            if (allowed(&who, ST_ROLE_ANALYST, "read decisions", out)) api_decisions(S, r, out);
        } else srv_error(out, 405, "method_not_allowed", "use GET or POST for /decisions");
    } else if (strcmp(url, "/applicants/check") == 0) {
        if (!post) srv_error(out, 405, "method_not_allowed", "use POST for /applicants/check");
        else if (allowed(&who, ST_ROLE_ANALYST, "check applicants", out)) api_applicants_check(S, r, &who, out);
    } else if (strcmp(url, "/alerts") == 0 && get) {
        if (allowed(&who, ST_ROLE_ANALYST, "read alerts", out)) api_alerts(S, r, out);
    } else if (strcmp(url, "/algorithms") == 0 && get) {
        if (allowed(&who, ST_ROLE_READ, "read the algorithms", out)) api_algorithms(out);
    } else if (strcmp(url, "/catalog") == 0 && get) {
        if (allowed(&who, ST_ROLE_READ, "read the catalog", out)) api_catalog(S, r, out);
    } else if (strcmp(url, "/healthz") == 0 && get) {
        out->status = 200;
        out->json = json_pack("{s:s}", "status", "ok");
    } else if (strcmp(url, "/readyz") == 0 && get) {
        api_readyz(S, out);
    } else if (get && strcmp(url, "/") == 0) {
        api_static("/static/index.html", out);
    } else if (get && route(url, "/static/", &rest)) {
        api_static(url, out);
    } else {
        srv_error(out, 404, "not_found", "no endpoint %s %s", m, url);
    }
}

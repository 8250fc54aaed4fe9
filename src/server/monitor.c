/*
 * monitor.c - customers in, alerts out (see monitor.h).
 *
 * Invariant: an alert is raised only for a (customer, entity) pair the
 * store has not seen before, and only for an entity the snapshot's change
 * list marks as added or changed; the pair is recorded first (primary
 * key), so two servers finishing the same work raise one alert, and in
 * the same transaction as its alert, so a crash cannot keep one without
 * the other.  Customer files are read by the reader `screen` uses
 * (screen/input.c), so both accept the same columns and skip malformed
 * records by the same rule.
 */
#include "server/monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/map.h"
#include "sanctrace/screen.h"

#define MONITOR_MAX_FILE (512u << 20)

/* The customer record fields, as `sanctrace screen` reads them. */
static const char *const monitor_fields[] = {"name", "wallet", "id_number", "schema", "birth_date",
                                             "nationality", "country", "address", NULL};

static int record_to_query(json_t *rec, st_query *q) {
    memset(q, 0, sizeof *q);
    q->name = json_string_value(json_object_get(rec, "name"));
    q->wallet = json_string_value(json_object_get(rec, "wallet"));
    q->id_number = json_string_value(json_object_get(rec, "id_number"));
    q->schema = json_string_value(json_object_get(rec, "schema"));
    q->birth_date = json_string_value(json_object_get(rec, "birth_date"));
    q->nationality = json_string_value(json_object_get(rec, "nationality"));
    q->country = json_string_value(json_object_get(rec, "country"));
    return (q->name && *q->name) || (q->wallet && *q->wallet) || (q->id_number && *q->id_number);
}

/* Screen one stored customer; fn gets each match at the default threshold. */
typedef int (*hit_fn)(void *ctx, const char *customer, const st_match *m);

static int screen_customer(const st_snapshot *snap, const char *id, json_t *rec, hit_fn fn,
                           void *ctx, st_error *err) {
    st_query q;
    if (!record_to_query(rec, &q)) return ST_OK;
    st_screen_opts o = {ST_DEFAULT_THRESHOLD, 10};
    st_match *m = NULL;
    size_t n = 0;
    int rc = st_screen(snap, &q, &o, &m, &n, err);
    if (rc != ST_OK) return rc == ST_EINVAL ? ST_OK : rc;
    for (size_t i = 0; i < n && rc == ST_OK; i++)
        if (m[i].match) rc = fn(ctx, id, &m[i]);
    st_matches_free(m, n);
    return rc;
}

typedef struct baseline_ctx {
    st_db *store;
    const char *version;
    st_monitor_stats *stats;
    st_error *err;
} baseline_ctx;

static int baseline_hit(void *ctx, const char *customer, const st_match *m) {
    baseline_ctx *b = ctx;
    int is_new = 0;
    b->stats->hits++;
    return st_db_hit(b->store, customer, m->entity->id, m->score, b->version, &is_new, b->err);
}

/* Store one customer record and its baseline. */
static int add_customer(st_db *s, const st_snapshot *snap, const char *id, json_t *rec,
                        st_monitor_stats *stats, st_error *err) {
    char *text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = st_db_customer_put(s, id, text, err);
    free(text);
    if (rc != ST_OK) return rc;
    stats->customers++;
    if (!snap) return ST_OK;
    baseline_ctx b = {s, st_snapshot_version(snap), stats, err};
    return screen_customer(snap, id, rec, baseline_hit, &b, err);
}

static void reject(const char *path, long line, const char *why, st_monitor_warn_fn warn,
                   void *warn_ctx, st_monitor_stats *stats) {
    st_error e;
    st_error_clear(&e);
    st_error_at(&e, ST_EPARSE, path, line, -1, "%s", why);
    stats->rejected++;
    if (warn) warn(warn_ctx, &e);
}

/* The stored form of a record: the screening fields it has.  NULL with
 * *bad set: field bad is not UTF-8 text (the store keeps JSON); NULL
 * otherwise: out of memory. */
static json_t *record_json(const st_screen_record *r, const char **bad) {
    const char *const v[] = {r->name, r->wallet, r->id_number, r->schema, r->birth_date,
                             r->nationality, r->country, r->address};
    *bad = NULL;
    json_t *rec = json_object();
    for (int f = 0; rec && monitor_fields[f]; f++) {
        if (!v[f] || !*v[f]) continue;
        json_t *x = json_string(v[f]);
        if (!x) *bad = monitor_fields[f];
        if (!x || json_object_set_new(rec, monitor_fields[f], x) != 0) {
            json_decref(rec);
            return NULL;
        }
    }
    return rec;
}

/* Two rows with one id would leave the last one stored under it and the
 * first one's baseline hits recorded against a customer that is no longer
 * there; which row is meant only the user knows, so the file is refused
 * before anything is stored. */
static int check_unique_ids(const st_screen_input *in, const char *path, st_error *err) {
    st_map *seen = NULL;
    int rc = st_map_new(&seen);
    if (rc != ST_OK) return st_error_set(err, rc, "out of memory");
    for (size_t i = 0; i < in->n && rc == ST_OK; i++) {
        const st_screen_record *r = &in->recs[i];
        if (r->error || r->id_default) continue;
        uint64_t first;
        if (st_map_get(seen, r->id, strlen(r->id), &first)) {
            rc = st_error_at(err, ST_EPARSE, path, r->line, -1,
                             "customer id '%.100s' is on line %llu and on line %ld: ids must be unique "
                             "within a file; nothing stored",
                             r->id, (unsigned long long)first, r->line);
        } else if ((rc = st_map_put(seen, r->id, strlen(r->id), (uint64_t)r->line)) != ST_OK) {
            rc = st_error_set(err, rc, "out of memory");
        }
    }
    st_map_free(seen);
    return rc;
}

int st_monitor_add_file(st_db *s, const char *path, const st_snapshot *snap,
                        st_monitor_warn_fn warn, void *warn_ctx, st_monitor_stats *stats,
                        st_error *err) {
    memset(stats, 0, sizeof *stats);
    char *data = NULL;
    size_t len = 0;
    st_screen_input in = {0};
    int rc = st_file_read(path, MONITOR_MAX_FILE, &data, &len, err);
    if (rc != ST_OK) return rc;
    /* the reader `screen` uses: the same columns, the same malformed-record rule */
    if ((rc = st_screen_input_parse(data, len, path, &in, err)) != ST_OK) goto done;
    if (!in.id_column) {
        rc = st_error_at(err, ST_EPARSE, path, 1, -1,
                         "the header needs an id column and a name, wallet or id_number column");
        goto done;
    }
    if ((rc = check_unique_ids(&in, path, err)) != ST_OK) goto done;
    for (size_t i = 0; i < in.n && rc == ST_OK; i++) {
        const st_screen_record *r = &in.recs[i];
        if (r->error) { reject(path, r->line, r->error, warn, warn_ctx, stats); continue; }
        if (r->id_default) { reject(path, r->line, "empty id", warn, warn_ctx, stats); continue; }
        const char *bad;
        json_t *rec = record_json(r, &bad);
        if (!rec && bad) {
            char why[100];
            snprintf(why, sizeof why, "field '%s' is not UTF-8 text", bad);
            reject(path, r->line, why, warn, warn_ctx, stats);
            continue;
        }
        if (!rec) { rc = st_error_set(err, ST_ENOMEM, "out of memory"); break; }
        rc = add_customer(s, snap, r->id, rec, stats, err);
        json_decref(rec);
    }
done:
    st_screen_input_free(&in);
    st_free(data);
    return rc;
}

/* ---- runs ---- */

enum { CHANGE_ADDED = 1, CHANGE_CHANGED = 2 };

/* The snapshot's change list: entity id -> CHANGE_*.  *all = 1 when the
 * snapshot has none (the first snapshot: everything is new). */
static int load_changes(const char *data_dir, const st_snapshot *snap, st_map **out, int *all,
                        st_error *err);

typedef struct run_ctx {
    st_db *store;
    const char *version;
    st_map *changes;
    int all;
    st_monitor_stats *stats;
    st_error *err;
} run_ctx;

static int run_hit(void *ctx, const char *customer, const st_match *m) {
    run_ctx *r = ctx;
    uint64_t kind = CHANGE_ADDED;
    const char *id = m->entity->id;
    if (!r->all && !st_map_get(r->changes, id, strlen(id), &kind)) return ST_OK;
    r->stats->hits++;
    int is_new = 0;
    int rc = st_db_hit_alert(r->store, customer, id, m->score, r->version,
                             kind == CHANGE_CHANGED ? "changed" : "added", m->name, &is_new, r->err);
    if (rc == ST_OK && is_new) r->stats->alerts++;
    return rc;
}

int st_monitor_run(st_db *s, const st_snapshot *snap, const char *data_dir, const char *by,
                   st_monitor_stats *stats, st_error *err) {
    memset(stats, 0, sizeof *stats);
    const char *version = st_snapshot_version(snap);
    st_map *changes = NULL;
    json_t *customers = NULL;
    int all = 0;
    int rc = st_db_monitor_claim(s, version, by, &stats->claimed, err);
    if (rc != ST_OK || !stats->claimed) return rc;
    if ((rc = load_changes(data_dir, snap, &changes, &all, err)) != ST_OK) goto done;
    stats->changed = all ? (long)st_snapshot_count(snap) : (long)st_map_count(changes);
    if ((rc = st_db_customers(s, &customers, err)) != ST_OK) goto done;
    run_ctx r = {s, version, changes, all, stats, err};
    size_t i;
    json_t *c;
    json_array_foreach(customers, i, c) {
        const char *id = json_string_value(json_object_get(c, "id"));
        if (!id) continue;
        stats->customers++;
        if ((rc = screen_customer(snap, id, json_object_get(c, "record"), run_hit, &r, err)) != ST_OK) goto done;
    }
    rc = st_db_monitor_finish(s, version, stats->customers, stats->alerts, err);
done:
    json_decref(customers);
    st_map_free(changes);
    return rc;
}

static int load_changes(const char *data_dir, const st_snapshot *snap, st_map **out, int *all,
                        st_error *err) {
    *all = 0;
    int rc = st_map_new(out);
    if (rc != ST_OK) return st_error_set(err, rc, "out of memory");
    /* D/snapshots/<version>/changes.json, written by `sanctrace update`:
     * {"version", "previous", "added": [ids], "changed": [ids], "removed": [ids]} */
    char path[4400];
    snprintf(path, sizeof path, "%s/snapshots/%s/changes.json", data_dir, st_snapshot_version(snap));
    if (!st_path_exists(path)) {
        *all = 1; /* no change list: every entity counts as new */
        return ST_OK;
    }
    json_error_t je;
    json_t *ch = json_load_file(path, 0, &je);
    if (!json_is_object(ch)) {
        json_decref(ch);
        return st_error_at(err, ST_ECORRUPT, path, je.line, -1, "unreadable change list: %s", je.text);
    }
    static const char *const kinds[2] = {"added", "changed"};
    for (int k = 0; k < 2 && rc == ST_OK; k++) {
        size_t i;
        json_t *id;
        json_array_foreach(json_object_get(ch, kinds[k]), i, id) {
            const char *s = json_string_value(id);
            if (s && (rc = st_map_put(*out, s, strlen(s), k == 0 ? CHANGE_ADDED : CHANGE_CHANGED)) != ST_OK) {
                rc = st_error_set(err, rc, "out of memory");
                break;
            }
        }
    }
    json_decref(ch);
    return rc;
}

/*
 * db.c - the store's queries, written once for both engines, and the
 * connection pool they run on.
 *
 * Invariant: a connection is used by one thread at a time: it is taken
 * from the pool for one call (or one transaction) and given back before
 * the call returns.  The pool never holds more than max connections;
 * callers beyond that wait.  Every decision that must happen exactly once
 * across processes (a new hit, a monitoring run) rests on a primary key
 * and "ON CONFLICT DO NOTHING", whose changed-row count tells the caller
 * whether it won.
 *
 * Migration: opening a store for writing creates what is missing and
 * adds the columns later versions brought (api_keys.role: keys made
 * before roles existed become admin keys under their old label;
 * audit.key_name), under the engine's migration lock, so two processes
 * opening one old store migrate it once.  A read-only store is never
 * migrated: its queries fall back to what an old schema holds.
 */
#include "server/db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/alloc.h"
#include "core/csv.h"
#include "core/fs.h"
#include "core/sha256.h"
#include "server/db_int.h"

struct st_db {
    const db_engine *eng;
    char *target;             /* owned */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void **idle;              /* owned array of max idle connections */
    int n_idle, n_open, max;
    int readonly;             /* opened with st_db_open_readonly */
    int has_roles;            /* api_keys.role exists (always, unless readonly) */
    int has_key_name;         /* audit.key_name exists (same) */
};

/* The schema; %s is the engine's auto-increment primary key type. */
static const char store_schema[] =
    "CREATE TABLE IF NOT EXISTS audit (id %s, ts TEXT NOT NULL, key_id TEXT NOT NULL,"
    " endpoint TEXT NOT NULL, subject TEXT NOT NULL, snapshot TEXT NOT NULL,"
    " input TEXT NOT NULL, results TEXT NOT NULL, key_name TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS audit_ts ON audit (ts);"
    "CREATE TABLE IF NOT EXISTS decisions (id %s, subject TEXT NOT NULL,"
    " entity_id TEXT NOT NULL, decision TEXT NOT NULL, comment TEXT NOT NULL,"
    " analyst TEXT NOT NULL, ts TEXT NOT NULL, entity_hash TEXT NOT NULL, key_id TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS decisions_subject ON decisions (subject, entity_id);"
    "CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " salt TEXT NOT NULL, hash TEXT NOT NULL, created TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0,"
    " role TEXT NOT NULL DEFAULT 'admin');"
    "CREATE TABLE IF NOT EXISTS customers (id TEXT PRIMARY KEY, record TEXT NOT NULL,"
    " added TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS monitor_hits (customer_id TEXT NOT NULL, entity_id TEXT NOT NULL,"
    " score DOUBLE PRECISION NOT NULL, snapshot TEXT NOT NULL, PRIMARY KEY (customer_id, entity_id));"
    "CREATE TABLE IF NOT EXISTS alerts (id %s, customer_id TEXT NOT NULL, entity_id TEXT NOT NULL,"
    " score DOUBLE PRECISION NOT NULL, snapshot TEXT NOT NULL, change TEXT NOT NULL,"
    " name TEXT NOT NULL, ts TEXT NOT NULL, UNIQUE (customer_id, entity_id, snapshot));"
    "CREATE TABLE IF NOT EXISTS monitor_runs (snapshot TEXT PRIMARY KEY, by_host TEXT NOT NULL,"
    " started TEXT NOT NULL, finished TEXT, screened INTEGER, alerts INTEGER);";

const char *st_db_now(char *out, size_t n) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
    return out;
}

/* ---- the pool ---- */

static int store_borrow(st_db *s, void **conn, st_error *err) {
    pthread_mutex_lock(&s->mu);
    while (s->n_idle == 0 && s->n_open >= s->max) pthread_cond_wait(&s->cv, &s->mu);
    if (s->n_idle > 0) {
        *conn = s->idle[--s->n_idle];
        pthread_mutex_unlock(&s->mu);
        return ST_OK;
    }
    s->n_open++; /* reserve the slot, connect outside the lock */
    pthread_mutex_unlock(&s->mu);
    int rc = s->eng->connect(s->target, s->readonly, conn, err);
    if (rc != ST_OK) {
        pthread_mutex_lock(&s->mu);
        s->n_open--;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    return rc;
}

static void store_giveback(st_db *s, void *conn) {
    pthread_mutex_lock(&s->mu);
    s->idle[s->n_idle++] = conn;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* One statement on a borrowed connection. */
static int store_run(st_db *s, const char *sql, int n, const char *const *params,
                     db_row_fn fn, void *ctx, long *changes, st_error *err) {
    void *c;
    int rc = store_borrow(s, &c, err);
    if (rc != ST_OK) return rc;
    rc = s->eng->exec(c, sql, n, params, fn, ctx, changes, err);
    store_giveback(s, c);
    return rc;
}

/* Does table have column?  (A statement naming it fails when not.) */
static int column_exists(st_db *s, void *c, const char *table, const char *column) {
    char sql[160];
    st_error e2;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE 1 = 0", column, table);
    return s->eng->exec(c, sql, 0, NULL, NULL, NULL, NULL, &e2) == ST_OK;
}

/* Columns added after the first schema: name, table, its definition. */
static const char *const store_added[][3] = {
    {"role", "api_keys", "role TEXT NOT NULL DEFAULT 'admin'"},
    {"key_name", "audit", "key_name TEXT NOT NULL DEFAULT ''"},
};

static int store_migrate(st_db *s, void *c, st_error *err) {
    const db_engine *e = s->eng;
    const char *pk = e->serial_pk;
    size_t n = sizeof store_schema + 3 * strlen(pk);
    char *schema = st_malloc(n);
    if (!schema) return st_error_set(err, ST_ENOMEM, "out of memory opening the store");
    snprintf(schema, n, store_schema, pk, pk, pk);
    int rc = ST_OK;
    if (e->migrate_lock_sql &&
        (rc = e->exec(c, e->migrate_lock_sql, 0, NULL, NULL, NULL, NULL, err)) != ST_OK) {
        st_free(schema);
        return rc;
    }
    rc = e->exec(c, schema, 0, NULL, NULL, NULL, NULL, err);
    for (size_t i = 0; rc == ST_OK && i < sizeof store_added / sizeof *store_added; i++) {
        if (column_exists(s, c, store_added[i][1], store_added[i][0])) continue;
        char sql[200];
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s", store_added[i][1], store_added[i][2]);
        rc = e->exec(c, sql, 0, NULL, NULL, NULL, NULL, err);
    }
    st_error e2;
    if (rc != ST_OK && e->migrate_abort_sql) e->exec(c, e->migrate_abort_sql, 0, NULL, NULL, NULL, NULL, &e2);
    if (e->migrate_unlock_sql) {
        int urc = e->exec(c, e->migrate_unlock_sql, 0, NULL, NULL, NULL, NULL, rc == ST_OK ? err : &e2);
        if (rc == ST_OK) rc = urc;
    }
    st_free(schema);
    return rc;
}

static int store_open(const char *target, int max_conns, int readonly, st_db **out, st_error *err) {
    int rc = ST_OK;
    void *c = NULL;
    st_db *s = st_calloc(1, sizeof *s);
    if (!s) return st_error_set(err, ST_ENOMEM, "out of memory opening the store");
    int pg = strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0;
    s->eng = pg ? &st_db_pg_engine : &st_db_sqlite_engine;
    s->max = max_conns > 0 ? max_conns : 8;
    s->readonly = readonly;
    s->target = st_strdup(target);
    s->idle = st_calloc((size_t)s->max, sizeof *s->idle);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (!s->target || !s->idle) {
        rc = st_error_set(err, ST_ENOMEM, "out of memory opening the store");
        goto fail;
    }
    if ((rc = store_borrow(s, &c, err)) != ST_OK) goto fail;
    if (!readonly && (rc = store_migrate(s, c, err)) != ST_OK) goto fail;
    s->has_roles = column_exists(s, c, "api_keys", "role");
    s->has_key_name = column_exists(s, c, "audit", "key_name");
    store_giveback(s, c);
    *out = s;
    return ST_OK;
fail:
    if (c) store_giveback(s, c);
    st_db_close(s);
    return rc;
}

int st_db_open(const char *target, int max_conns, st_db **out, st_error *err) {
    return store_open(target, max_conns, 0, out, err);
}

int st_db_open_readonly(const char *target, st_db **out, st_error *err) {
    return store_open(target, 2, 1, out, err);
}

/* DATA_DIR/sanctrace.db, or the target given. */
static const char *store_target(const char *target, const char *data_dir, char *buf, size_t n) {
    if (target) return target;
    snprintf(buf, n, "%s/sanctrace.db", data_dir);
    return buf;
}

int st_db_open_store(const char *target, const char *data_dir, int max_conns, st_db **out, st_error *err) {
    char path[4200];
    if (!target) {
        int rc = st_mkdir_p(data_dir, err);
        if (rc != ST_OK) return rc;
    }
    return st_db_open(store_target(target, data_dir, path, sizeof path), max_conns, out, err);
}

int st_db_open_store_reading(const char *target, const char *data_dir, st_db **out, st_error *err) {
    char path[4200];
    st_error e2;
    st_error_clear(&e2);
    int rc = st_db_open_readonly(store_target(target, data_dir, path, sizeof path), out, &e2);
    if (rc == ST_ENOTFOUND) return st_db_open_store(target, data_dir, 2, out, err);
    if (rc != ST_OK && err) *err = e2;
    return rc;
}

void st_db_close(st_db *s) {
    if (!s) return;
    for (int i = 0; i < s->n_idle; i++) s->eng->disconnect(s->idle[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    st_free(s->idle);
    st_free(s->target);
    st_free(s);
}

const char *st_db_engine(const st_db *s) { return s->eng->name; }

/* ---- rows as JSON ---- */

typedef struct json_rows {
    json_t *arr;
    const char *const *numeric; /* column names to turn into numbers */
    const char *const *parsed;  /* column names holding JSON text */
    int failed;
} json_rows;

static int in_list(const char *const *list, const char *name) {
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0) return 1;
    return 0;
}

static int json_rows_add(void *ctx, int ncol, const char *const *names, const char *const *vals) {
    json_rows *jr = ctx;
    json_t *o = json_object();
    if (!o) return jr->failed = 1;
    for (int i = 0; i < ncol; i++) {
        json_t *v;
        if (!vals[i]) v = json_null();
        else if (in_list(jr->numeric, names[i])) {
            double d = strtod(vals[i], NULL);
            v = d == (double)(long long)d ? json_integer((json_int_t)d) : json_real(d);
        } else if (in_list(jr->parsed, names[i])) {
            v = json_loads(vals[i], 0, NULL);
            if (!v) v = json_string(vals[i]);
        } else v = json_string(vals[i]);
        json_object_set_new(o, names[i], v);
    }
    json_array_append_new(jr->arr, o);
    return 0;
}

static int store_json(st_db *s, const char *sql, int n, const char *const *params,
                      const char *const *numeric, const char *const *parsed, json_t **out,
                      st_error *err) {
    json_rows jr = {json_array(), numeric, parsed, 0};
    if (!jr.arr) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = store_run(s, sql, n, params, json_rows_add, &jr, NULL, err);
    if (rc == ST_OK && jr.failed) rc = st_error_set(err, ST_ENOMEM, "out of memory");
    if (rc != ST_OK) {
        json_decref(jr.arr);
        return rc;
    }
    *out = jr.arr;
    return ST_OK;
}

/* ---- audit ---- */

int st_db_audit_add(st_db *s, const st_audit_rec *recs, size_t n, st_error *err) {
    void *c;
    int rc = store_borrow(s, &c, err);
    if (rc != ST_OK) return rc;
    const db_engine *e = s->eng;
    if ((rc = e->exec(c, "BEGIN", 0, NULL, NULL, NULL, NULL, err)) != ST_OK) goto done;
    for (size_t i = 0; i < n; i++) {
        const st_audit_rec *r = &recs[i];
        const char *p[8] = {r->ts, r->key_id ? r->key_id : "", r->endpoint,
                            r->subject ? r->subject : "", r->snapshot ? r->snapshot : "",
                            r->input ? r->input : "", r->results ? r->results : "",
                            r->key_name ? r->key_name : ""};
        rc = e->exec(c,
                     "INSERT INTO audit (ts, key_id, endpoint, subject, snapshot, input, results,"
                     " key_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                     8, p, NULL, NULL, NULL, err);
        if (rc != ST_OK) break;
    }
    if (rc == ST_OK) rc = e->exec(c, "COMMIT", 0, NULL, NULL, NULL, NULL, err);
    if (rc != ST_OK) {
        st_error e2;
        e->exec(c, "ROLLBACK", 0, NULL, NULL, NULL, NULL, &e2);
    }
done:
    store_giveback(s, c);
    return rc;
}

/* Every audit column is text that came in with a request (subject, input)
 * or is shown to whoever opens the export in a spreadsheet: the one CSV
 * writer quotes it and guards it against formula injection. */
static void csv_field(FILE *f, const char *v) { st_csv_write_field(f, v, 0); }

typedef struct csv_out {
    FILE *f;
    long count;
} csv_out;

static int csv_row(void *ctx, int ncol, const char *const *names, const char *const *vals) {
    csv_out *co = ctx;
    for (int i = 0; i < ncol; i++) {
        if (i) fputc(',', co->f);
        csv_field(co->f, vals[i]);
    }
    fputs("\r\n", co->f);
    co->count++;
    return 0;
}

int st_db_audit_export_csv(st_db *s, const char *from, const char *to, FILE *f,
                              long *count, st_error *err) {
    const char *p[2] = {from ? from : "", to && *to ? to : "~"};
    csv_out co = {f, 0};
    fputs("id,time,key_id,endpoint,subject,snapshot,input,results,key_name\r\n", f);
    int rc = store_run(s,
                       s->has_key_name
                           ? "SELECT id, ts, key_id, endpoint, subject, snapshot, input, results,"
                             " key_name FROM audit WHERE ts >= $1 AND ts < $2 ORDER BY ts, id"
                           : "SELECT id, ts, key_id, endpoint, subject, snapshot, input, results,"
                             " '' AS key_name FROM audit WHERE ts >= $1 AND ts < $2 ORDER BY ts, id",
                       2, p, csv_row, &co, NULL, err);
    if (count) *count = co.count;
    return rc;
}

static int count_row(void *ctx, int ncol, const char *const *names, const char *const *vals) {
    *(long *)ctx = ncol > 0 && vals[0] ? atol(vals[0]) : 0;
    return 0;
}

int st_db_audit_count(st_db *s, long *count, st_error *err) {
    *count = 0;
    return store_run(s, "SELECT COUNT(*) FROM audit", 0, NULL, count_row, count, NULL, err);
}

/* ---- decisions ---- */

int st_decision_valid(const char *d) {
    return d && (strcmp(d, "false_positive") == 0 || strcmp(d, "confirmed") == 0 ||
                 strcmp(d, "escalated") == 0);
}

static int id_row(void *ctx, int ncol, const char *const *names, const char *const *vals) {
    *(long long *)ctx = ncol > 0 && vals[0] ? atoll(vals[0]) : 0;
    return 0;
}

int st_db_decision_add(st_db *s, const st_decision *d, long long *id, st_error *err) {
    if (!st_decision_valid(d->decision))
        return st_error_set(err, ST_EINVAL, "decision must be false_positive, confirmed or escalated");
    char ts[40];
    st_db_now(ts, sizeof ts);
    const char *p[8] = {d->subject, d->entity_id, d->decision, d->comment ? d->comment : "",
                        d->analyst ? d->analyst : "", ts, d->entity_hash ? d->entity_hash : "",
                        d->key_id ? d->key_id : ""};
    long long rid = 0;
    int rc = store_run(s,
                       "INSERT INTO decisions (subject, entity_id, decision, comment, analyst, ts,"
                       " entity_hash, key_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                       8, p, id_row, &rid, NULL, err);
    if (id) *id = rid;
    return rc;
}

int st_db_decisions(st_db *s, const char *subject, const char *entity_id, int limit,
                       json_t **out, st_error *err) {
    static const char *const numeric[] = {"id", NULL};
    char lim[24];
    snprintf(lim, sizeof lim, "%d", limit > 0 ? limit : 1000);
    const char *p[3] = {subject, entity_id, lim};
    return store_json(s,
                      "SELECT id, subject, entity_id, decision, comment, analyst, ts, entity_hash,"
                      " key_id FROM decisions WHERE (CAST($1 AS TEXT) IS NULL OR subject = CAST($1 AS TEXT))"
                      " AND (CAST($2 AS TEXT) IS NULL OR entity_id = CAST($2 AS TEXT))"
                      " ORDER BY id DESC LIMIT CAST($3 AS INTEGER)",
                      3, p, numeric, NULL, out, err);
}

/* ---- API keys ---- */


static int key_hash(const char *salt, const char *key, char out[65]) {
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s:%s", salt, key);
    if (n < 0 || (size_t)n >= sizeof buf) return ST_ELIMIT;
    st_sha256_hex(buf, (size_t)n, out);
    return ST_OK;
}

static const char *const role_names[] = {"", "read", "analyst", "admin"};

const char *st_role_name(st_role role) {
    return role >= ST_ROLE_READ && role <= ST_ROLE_ADMIN ? role_names[role] : "none";
}

int st_role_parse(const char *name, st_role *out) {
    for (int r = ST_ROLE_READ; r <= ST_ROLE_ADMIN; r++)
        if (name && strcmp(name, role_names[r]) == 0) {
            *out = (st_role)r;
            return ST_OK;
        }
    return ST_EINVAL;
}

/* A key name is what decisions and the audit trail record as the
 * analyst: printable, 1..64 bytes, no surrounding blanks. */
static int key_name_valid(const char *name) {
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64 || name[0] == ' ' || name[n - 1] == ' ') return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) return 0;
    return 1;
}

int st_db_key_add(st_db *s, const char *name, st_role role, char *key, size_t key_n, char id[24],
                     st_error *err) {
    if (!key_name_valid(name))
        return st_error_set(err, ST_EINVAL, "a key name is 1 to 64 printable bytes without surrounding blanks");
    if (role < ST_ROLE_READ || role > ST_ROLE_ADMIN)
        return st_error_set(err, ST_EINVAL, "a key's role is read, analyst or admin");
    unsigned char rid[8], secret[24], salt[16];
    if (RAND_bytes(rid, sizeof rid) != 1 || RAND_bytes(secret, sizeof secret) != 1 ||
        RAND_bytes(salt, sizeof salt) != 1)
        return st_error_set(err, ST_EIO, "no random bytes for a key");
    char secret_hex[49], salt_hex[33], hash[65], ts[40];
    st_hex_encode(rid, sizeof rid, id);
    st_hex_encode(secret, sizeof secret, secret_hex);
    st_hex_encode(salt, sizeof salt, salt_hex);
    if ((size_t)snprintf(key, key_n, "st_%s_%s", id, secret_hex) >= key_n)
        return st_error_set(err, ST_ELIMIT, "key buffer too small");
    if (key_hash(salt_hex, key, hash) != ST_OK) return st_error_set(err, ST_ENOMEM, "hashing failed");
    const char *p[6] = {id, name, salt_hex, hash, st_db_now(ts, sizeof ts), st_role_name(role)};
    return store_run(s,
                     "INSERT INTO api_keys (id, name, salt, hash, created, role)"
                     " VALUES ($1, $2, $3, $4, $5, $6)",
                     6, p, NULL, NULL, NULL, err);
}

typedef struct key_row {
    char salt[65], hash[65];
    int found;
} key_row;

static int key_row_read(void *ctx, int ncol, const char *const *names, const char *const *vals) {
    key_row *k = ctx;
    if (ncol < 2 || !vals[0] || !vals[1]) return 0;
    snprintf(k->salt, sizeof k->salt, "%s", vals[0]);
    snprintf(k->hash, sizeof k->hash, "%s", vals[1]);
    k->found = 1;
    return 1;
}

int st_db_key_check(st_db *s, const char *key, int *ok, char id[24], st_error *err) {
    *ok = 0;
    /* st_<16 hex id>_<48 hex secret> */
    if (!key || strncmp(key, "st_", 3) != 0 || strlen(key) != 3 + 16 + 1 + 48 || key[19] != '_')
        return ST_OK;
    char kid[24];
    memcpy(kid, key + 3, 16);
    kid[16] = 0;
    key_row k = {{0}, {0}, 0};
    const char *p[1] = {kid};
    int rc = store_run(s, "SELECT salt, hash FROM api_keys WHERE id = $1 AND revoked = 0", 1, p,
                       key_row_read, &k, NULL, err);
    if (rc != ST_OK || !k.found) return rc;
    char h[65];
    if (key_hash(k.salt, key, h) != ST_OK) return st_error_set(err, ST_ENOMEM, "hashing failed");
    if (CRYPTO_memcmp(h, k.hash, 64) == 0) {
        *ok = 1;
        snprintf(id, 24, "%s", kid);
    }
    return ST_OK;
}

static int key_info_read(void *ctx, int ncol, const char *const *names, const char *const *vals) {
    st_key_info *k = ctx;
    if (ncol < 2 || !vals[0] || !vals[1]) return 0;
    snprintf(k->name, sizeof k->name, "%s", vals[0]);
    /* a role this version does not know grants nothing beyond reading */
    if (st_role_parse(vals[1], &k->role) != ST_OK) k->role = ST_ROLE_READ;
    return 1;
}

int st_db_key_info(st_db *s, const char *id, st_key_info *info, int *found, st_error *err) {
    memset(info, 0, sizeof *info);
    *found = 0;
    const char *p[1] = {id};
    int rc = store_run(s,
                       s->has_roles ? "SELECT name, role FROM api_keys WHERE id = $1 AND revoked = 0"
                                    : "SELECT name, 'admin' AS role FROM api_keys WHERE id = $1 AND revoked = 0",
                       1, p, key_info_read, info, NULL, err);
    if (rc == ST_OK && info->role != ST_ROLE_NONE) {
        *found = 1;
        snprintf(info->id, sizeof info->id, "%s", id);
    }
    return rc;
}

int st_db_key_revoke(st_db *s, const char *id, int *found, st_error *err) {
    const char *p[1] = {id};
    long changes = 0;
    int rc = store_run(s, "UPDATE api_keys SET revoked = 1 WHERE id = $1", 1, p, NULL, NULL,
                       &changes, err);
    *found = changes > 0;
    return rc;
}

int st_db_keys(st_db *s, json_t **out, st_error *err) {
    static const char *const numeric[] = {"revoked", NULL};
    return store_json(s,
                      s->has_roles ? "SELECT id, name, role, created, revoked FROM api_keys ORDER BY created, id"
                                   : "SELECT id, name, 'admin' AS role, created, revoked FROM api_keys"
                                     " ORDER BY created, id",
                      0, NULL, numeric, NULL, out, err);
}

/* ---- monitoring ---- */

int st_db_customer_put(st_db *s, const char *id, const char *record, st_error *err) {
    char ts[40];
    const char *p[3] = {id, record, st_db_now(ts, sizeof ts)};
    return store_run(s,
                     "INSERT INTO customers (id, record, added) VALUES ($1, $2, $3)"
                     " ON CONFLICT (id) DO UPDATE SET record = excluded.record",
                     3, p, NULL, NULL, NULL, err);
}

int st_db_customers(st_db *s, json_t **out, st_error *err) {
    static const char *const parsed[] = {"record", NULL};
    return store_json(s, "SELECT id, record FROM customers ORDER BY id", 0, NULL, NULL, parsed, out,
                      err);
}

int st_db_hit(st_db *s, const char *customer, const char *entity, double score,
                 const char *snapshot, int *is_new, st_error *err) {
    char sc[32];
    snprintf(sc, sizeof sc, "%.4f", score);
    const char *p[4] = {customer, entity, sc, snapshot};
    long changes = 0;
    int rc = store_run(s,
                       "INSERT INTO monitor_hits (customer_id, entity_id, score, snapshot)"
                       " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                       4, p, NULL, NULL, &changes, err);
    *is_new = rc == ST_OK && changes > 0;
    return rc;
}

int st_db_alert_add(st_db *s, const char *customer, const char *entity, double score,
                       const char *snapshot, const char *change, const char *name,
                       st_error *err) {
    char sc[32], ts[40];
    snprintf(sc, sizeof sc, "%.4f", score);
    const char *p[7] = {customer, entity, sc, snapshot, change, name ? name : "",
                        st_db_now(ts, sizeof ts)};
    return store_run(s,
                     "INSERT INTO alerts (customer_id, entity_id, score, snapshot, change, name, ts)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                     7, p, NULL, NULL, NULL, err);
}

int st_db_hit_alert(st_db *s, const char *customer, const char *entity, double score,
                    const char *snapshot, const char *change, const char *name, int *is_new,
                    st_error *err) {
    void *c;
    *is_new = 0;
    int rc = store_borrow(s, &c, err);
    if (rc != ST_OK) return rc;
    const db_engine *e = s->eng;
    char sc[32], ts[40];
    snprintf(sc, sizeof sc, "%.4f", score);
    const char *hp[4] = {customer, entity, sc, snapshot};
    const char *ap[7] = {customer, entity, sc, snapshot, change, name ? name : "", st_db_now(ts, sizeof ts)};
    long changes = 0;
    if ((rc = e->exec(c, "BEGIN", 0, NULL, NULL, NULL, NULL, err)) != ST_OK) goto done;
    rc = e->exec(c,
                 "INSERT INTO monitor_hits (customer_id, entity_id, score, snapshot)"
                 " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                 4, hp, NULL, NULL, &changes, err);
    if (rc == ST_OK && changes > 0)
        rc = e->exec(c,
                     "INSERT INTO alerts (customer_id, entity_id, score, snapshot, change, name, ts)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                     7, ap, NULL, NULL, NULL, err);
    if (rc == ST_OK) rc = e->exec(c, "COMMIT", 0, NULL, NULL, NULL, NULL, err);
    if (rc != ST_OK) {
        st_error e2;
        e->exec(c, "ROLLBACK", 0, NULL, NULL, NULL, NULL, &e2);
    } else *is_new = changes > 0;
done:
    store_giveback(s, c);
    return rc;
}

int st_db_alerts(st_db *s, long long after_id, int limit, json_t **out, st_error *err) {
    static const char *const numeric[] = {"id", "score", NULL};
    char a[24], l[24];
    snprintf(a, sizeof a, "%lld", after_id);
    snprintf(l, sizeof l, "%d", limit > 0 ? limit : 1000);
    const char *p[2] = {a, l};
    return store_json(s,
                      "SELECT id, customer_id, entity_id, score, snapshot, change, name, ts FROM alerts"
                      " WHERE id > CAST($1 AS BIGINT) ORDER BY id LIMIT CAST($2 AS INTEGER)",
                      2, p, numeric, NULL, out, err);
}

int st_db_monitor_claim(st_db *s, const char *snapshot, const char *by, int *claimed,
                           st_error *err) {
    char ts[40];
    const char *p[3] = {snapshot, by, st_db_now(ts, sizeof ts)};
    long changes = 0;
    int rc = store_run(s,
                       "INSERT INTO monitor_runs (snapshot, by_host, started) VALUES ($1, $2, $3)"
                       " ON CONFLICT DO NOTHING",
                       3, p, NULL, NULL, &changes, err);
    *claimed = rc == ST_OK && changes > 0;
    return rc;
}

int st_db_monitor_finish(st_db *s, const char *snapshot, long screened, long alerts,
                            st_error *err) {
    char ts[40], a[24], b[24];
    snprintf(a, sizeof a, "%ld", screened);
    snprintf(b, sizeof b, "%ld", alerts);
    const char *p[4] = {snapshot, st_db_now(ts, sizeof ts), a, b};
    return store_run(s,
                     "UPDATE monitor_runs SET finished = $2, screened = $3, alerts = $4"
                     " WHERE snapshot = $1",
                     4, p, NULL, NULL, NULL, err);
}

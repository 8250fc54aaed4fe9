/*
 * server.h - sanctrace as an HTTP service, and the store it keeps: what a
 * front end (the command line's `serve`, `audit`, `monitor` and `keys`)
 * needs to start the server and manage its data.
 *
 * The server answers yente's /match API, a search and entity API, the W3C
 * Reconciliation Service API (OpenRefine), decisions, monitoring alerts and
 * the analyst web page, from one snapshot that it swaps for a newer one
 * without stopping (SIGHUP or --update-every).  Who may reach what:
 * docs/threat-model.md; the API: docs/server.md.
 *
 * The store (st_db) is SQLite (a file in the data dir) or PostgreSQL (a
 * "postgres://" target, shared by replicas).  An st_db may be shared by
 * threads.  Every call returns ST_OK or an ST_E* code with err set; JSON
 * handed out is a new reference the caller json_decref()s.
 */
#ifndef SANCTRACE_SERVER_H
#define SANCTRACE_SERVER_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "sanctrace/sanctrace.h"
#include "sanctrace/screen.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the server ------------------------------------------------------- */

typedef struct st_server_config {
    const char *data_dir;     /* snapshots (and the SQLite store) live here */
    const char *listen;       /* "ADDR:PORT"; port 0 picks a free one */
    int threads;              /* HTTP worker threads */
    const char *db;           /* store target; NULL: <data_dir>/sanctrace.db */
    int auth;                 /* -1: on unless listening on loopback; 0 off; 1 on */
    size_t max_body;          /* request body limit in bytes */
    double update_every;      /* seconds between updates, 0: only on SIGHUP */
    const char *update_from[8]; /* `sanctrace update --from DIR...`, none: official downloads */
    int n_update_from;
    unsigned conn_timeout;    /* idle connection timeout, seconds */
    const char *port_file;    /* write the bound port here once listening (tests) */
    /* slow clients (see docs/threat-model.md) */
    unsigned max_conns;       /* connections open at once, all clients */
    unsigned max_conns_per_ip; /* connections open at once from one address, 0: no cap */
    unsigned header_timeout;  /* seconds to receive a request line and its headers, in total */
    unsigned body_timeout;    /* seconds to receive a request body, in total */
    /* browsers (see docs/threat-model.md) */
    const char *host_names[8]; /* names the server is reached by besides IP addresses and localhost */
    int n_host_names;
    const char *cors_origins[8]; /* origins whose pages may call the API (CORS), none by default */
    int n_cors_origins;
    const char *rings_state;  /* identity-ring state for POST /applicants/check; NULL: none */
    const char *evm_store;    /* Ethereum store (evm.h) for GET /evm/...; NULL: none */
} st_server_config;

/* Serve until SIGTERM or SIGINT: stop accepting, finish the requests in
 * flight, flush the audit trail, return ST_OK. */
int st_server_run(const st_server_config *cfg, st_error *err);

/* Is s a well-formed origin for cors_origins: http[s]://host[:port], no
 * path, no wildcard? */
int st_server_origin_valid(const char *s);

/* The download callback for st_update (sanctrace/update.h) that both
 * front ends pass: url into the file at path, through libcurl (redirects
 * followed, at most 4 GiB, a stalled transfer given up).  ctx is unused. */
int st_http_fetch(void *ctx, const char *url, const char *path, st_error *err);

/* ---- the store -------------------------------------------------------- */

typedef struct st_db st_db;

/* target: "postgres://..." / "postgresql://..." for PostgreSQL, anything
 * else is a SQLite file path.  max_conns bounds the pool (0: 8).  Creates
 * the tables when missing.  *out is the caller's: st_db_close. */
int st_db_open(const char *target, int max_conns, st_db **out, st_error *err);
/* The same store for reading only: nothing is created, migrated or
 * written (writes fail), so it works on a read-only file system or copy.
 * A missing SQLite file is ST_ENOTFOUND. */
int st_db_open_readonly(const char *target, st_db **out, st_error *err);
void st_db_close(st_db *s);
const char *st_db_engine(const st_db *s); /* "sqlite" or "postgresql" */

/* The store a command means: target when given, else DATA_DIR/sanctrace.db
 * (the directory made, private, when missing). */
int st_db_open_store(const char *target, const char *data_dir, int max_conns, st_db **out, st_error *err);
/* The same for a command that only reads (audit export and count, keys
 * list, alerts): opened read-only, so a read-only copy or file system
 * works; with no SQLite file yet, an empty store is made (reading it then
 * finds nothing). */
int st_db_open_store_reading(const char *target, const char *data_dir, st_db **out, st_error *err);

/* Records with from <= ts < to ("" for open ends), oldest first, as CSV
 * with a header (id,time,key_id,endpoint,subject,snapshot,input,results,
 * key_name)
 * written to f.  *count receives the number of records. */
int st_db_audit_export_csv(st_db *s, const char *from, const char *to, FILE *f,
                              long *count, st_error *err);
int st_db_audit_count(st_db *s, long *count, st_error *err);

/* What a key may do, each role including the ones before it:
 * read     screen (match, search, reconcile) and read entities and the catalog;
 * analyst  also record and read decisions, read alerts;
 * admin    everything, including keys and the audit trail. */
typedef enum st_role { ST_ROLE_NONE = 0, ST_ROLE_READ, ST_ROLE_ANALYST, ST_ROLE_ADMIN } st_role;
const char *st_role_name(st_role role);             /* "read", "analyst", "admin" */
int st_role_parse(const char *name, st_role *out);  /* ST_OK or ST_EINVAL */

/* A new key named name (1..64 printable bytes) with role: its secret
 * "st_<id>_<secret>" is written to key (>= 80 bytes) and shown once;
 * only a salted SHA-256 is stored. */
int st_db_key_add(st_db *s, const char *name, st_role role, char *key, size_t key_n, char id[24],
                     st_error *err);

int st_db_key_revoke(st_db *s, const char *id, int *found, st_error *err);
/* [{id, name, role, created, revoked}], without secrets. */
int st_db_keys(st_db *s, json_t **out, st_error *err);

/* Alerts with id > after_id, oldest first, at most limit (0: 1000), as a
 * JSON array of {id, customer_id, entity_id, score, snapshot, change, name, ts}. */
int st_db_alerts(st_db *s, long long after_id, int limit, json_t **out, st_error *err);

/* ---- monitoring: customers re-screened at every update ---------------- */

typedef struct st_monitor_stats {
    long customers;   /* customers read (add) or screened (run) */
    long hits;        /* matches on added / changed entities (run), all matches (add) */
    long alerts;      /* new alerts (run) */
    long changed;     /* entities added or changed by the snapshot (run) */
    long rejected;    /* input records skipped with an error (add) */
    int claimed;      /* run: this process did the run (0: done elsewhere) */
} st_monitor_stats;

/* Told about each record that is not stored (file, line, reason). */
typedef void (*st_monitor_warn_fn)(void *ctx, const st_error *e);

/* Store the customers of path (CSV with a header, or JSON lines: the
 * input of `sanctrace screen`) and, when snap is not NULL, record their
 * current hits as the baseline.  A malformed record, or one without an id
 * or anything to screen, goes to warn (may be NULL) and is skipped, and
 * reading goes on with the next line.  Two records with one id: ST_EPARSE
 * naming both lines, and nothing is stored. */
int st_monitor_add_file(st_db *s, const char *path, const st_snapshot *snap,
                        st_monitor_warn_fn warn, void *warn_ctx, st_monitor_stats *stats,
                        st_error *err);

/* Screen the stored customers for snapshot snap of data_dir (its change
 * list says which entities are new or changed) and raise alerts. */
int st_monitor_run(st_db *s, const st_snapshot *snap, const char *data_dir, const char *by,
                   st_monitor_stats *stats, st_error *err);

#ifdef __cplusplus
}
#endif

#endif

/*
 * db.h - what the server must remember: audit trail, analysts'
 * decisions, API keys, monitored customers and their alerts.
 *
 * Design: one interface, two engines.  SQLite (WAL, a file in the data
 * dir) is the embedded default; a "postgres://" or "postgresql://" target
 * selects PostgreSQL through libpq, so several `sanctrace serve` replicas
 * share one database.  Both engines implement the small function table in
 * db_int.h (connect, exec with text parameters, disconnect); every
 * query below is written once, in SQL both engines accept, in db.c.
 *
 * Threads: an st_db is shared by all threads.  It keeps a bounded pool
 * of connections; each call borrows one for its duration, so calls from
 * many threads run in parallel (SQLite serialises writers itself, with a
 * busy timeout).  Every call returns ST_OK or an ST_E* code with err set.
 *
 * Time stamps are UTC ISO-8601 text with milliseconds
 * ("2026-11-28T22:41:07.123Z"): they sort as text in both engines.
 */
#ifndef ST_SERVER_DB_H
#define ST_SERVER_DB_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "sanctrace/sanctrace.h"

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

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" for now into out (>= 32 bytes). */
const char *st_db_now(char *out, size_t n);
/* Lower-case hex SHA-256 of data[0..n) into out (65 bytes). */
int st_db_sha256_hex(const void *data, size_t n, char out[65]);

/* ---- audit trail: one record per screening request ---- */
typedef struct st_audit_rec {
    const char *ts;        /* when the request was answered */
    const char *key_id;    /* API key id, "" when keys are off */
    const char *endpoint;  /* "match", "search", "reconcile", "monitor" */
    const char *subject;   /* the screened subject(s), "" when none */
    const char *snapshot;  /* snapshot version screened against */
    const char *input;     /* the request, JSON text */
    const char *results;   /* the answer, JSON text */
    const char *key_name;  /* the key's name; "local" when keys are off */
} st_audit_rec;

/* Append n records in one transaction (all or none). */
int st_db_audit_add(st_db *s, const st_audit_rec *recs, size_t n, st_error *err);
/* Records with from <= ts < to ("" for open ends), oldest first, as CSV
 * with a header (id,time,key_id,endpoint,subject,snapshot,input,results,
 * key_name)
 * written to f.  *count receives the number of records. */
int st_db_audit_export_csv(st_db *s, const char *from, const char *to, FILE *f,
                              long *count, st_error *err);
int st_db_audit_count(st_db *s, long *count, st_error *err);

/* ---- decisions on (subject, entity) hits ---- */
typedef struct st_decision {
    const char *subject;
    const char *entity_id;
    const char *decision;    /* "false_positive", "confirmed", "escalated" */
    const char *comment;
    const char *analyst;     /* who decided: the key's name ("local" when keys are off) */
    const char *entity_hash; /* the entity's content hash when decided */
    const char *key_id;      /* the key used, "" when keys are off */
} st_decision;

int st_decision_valid(const char *decision);
/* Record d (time stamped now); *id receives its row id (may be NULL). */
int st_db_decision_add(st_db *s, const st_decision *d, long long *id, st_error *err);
/* Decisions as a JSON array of objects {id, subject, entity_id, decision,
 * comment, analyst, ts, entity_hash, key_id}, newest first.  subject and entity_id
 * filter when non-NULL.  New reference in *out. */
int st_db_decisions(st_db *s, const char *subject, const char *entity_id, int limit,
                       json_t **out, st_error *err);

/* ---- API keys ---- */
/* What a key may do, each role including the ones before it:
 * read     screen (match, search, reconcile) and read entities and the catalog;
 * analyst  also record and read decisions, read alerts;
 * admin    everything, including keys and the audit trail. */
typedef enum st_role { ST_ROLE_NONE = 0, ST_ROLE_READ, ST_ROLE_ANALYST, ST_ROLE_ADMIN } st_role;
const char *st_role_name(st_role role);             /* "read", "analyst", "admin" */
int st_role_parse(const char *name, st_role *out);  /* ST_OK or ST_EINVAL */

typedef struct st_key_info {
    char id[24];
    char name[72];
    st_role role;
} st_key_info;

/* A new key named name (1..64 printable bytes) with role: its secret
 * "st_<id>_<secret>" is written to key (>= 80 bytes) and shown once;
 * only a salted SHA-256 is stored. */
int st_db_key_add(st_db *s, const char *name, st_role role, char *key, size_t key_n, char id[24],
                     st_error *err);
/* Name and role of the unrevoked key id: *found = 0 when there is none. */
int st_db_key_info(st_db *s, const char *id, st_key_info *info, int *found, st_error *err);
/* *ok = 1 and id filled when key is a known, unrevoked key. */
int st_db_key_check(st_db *s, const char *key, int *ok, char id[24], st_error *err);
int st_db_key_revoke(st_db *s, const char *id, int *found, st_error *err);
/* [{id, name, role, created, revoked}], without secrets. */
int st_db_keys(st_db *s, json_t **out, st_error *err);

/* ---- monitoring ---- */
/* Insert or replace customer id with its record (JSON object text). */
int st_db_customer_put(st_db *s, const char *id, const char *record, st_error *err);
/* All customers as a JSON array of {"id", "record"} (record parsed). */
int st_db_customers(st_db *s, json_t **out, st_error *err);
/* Remember that customer matched entity; *is_new = 1 when the pair was
 * not known before (only then is an alert due). */
int st_db_hit(st_db *s, const char *customer, const char *entity, double score,
                 const char *snapshot, int *is_new, st_error *err);
int st_db_alert_add(st_db *s, const char *customer, const char *entity, double score,
                       const char *snapshot, const char *change, const char *name,
                       st_error *err);
/* st_db_hit and, when the pair is new, its alert, in one transaction: a
 * crash between the two can neither record the hit without its alert
 * (the alert would never come) nor raise the alert twice. */
int st_db_hit_alert(st_db *s, const char *customer, const char *entity, double score,
                    const char *snapshot, const char *change, const char *name, int *is_new,
                    st_error *err);
/* Alerts with id > after_id, oldest first, at most limit (0: 1000), as a
 * JSON array of {id, customer_id, entity_id, score, snapshot, change, name, ts}. */
int st_db_alerts(st_db *s, long long after_id, int limit, json_t **out, st_error *err);
/* Claim the monitoring run for snapshot version: *claimed = 1 for exactly
 * one caller across every process sharing the database. */
int st_db_monitor_claim(st_db *s, const char *snapshot, const char *by, int *claimed,
                           st_error *err);
int st_db_monitor_finish(st_db *s, const char *snapshot, long screened, long alerts,
                            st_error *err);

#endif

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

/* Opening and closing a store, the audit export, keys, roles and alerts are
 * public (include/sanctrace/server.h): the command line manages them. */
#include "sanctrace/server.h"

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" for now into out (>= 32 bytes). */
const char *st_db_now(char *out, size_t n);

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

typedef struct st_key_info {
    char id[24];
    char name[72];
    st_role role;
} st_key_info;

/* Name and role of the unrevoked key id: *found = 0 when there is none. */
int st_db_key_info(st_db *s, const char *id, st_key_info *info, int *found, st_error *err);
/* *ok = 1 and id filled when key is a known, unrevoked key. */
int st_db_key_check(st_db *s, const char *key, int *ok, char id[24], st_error *err);

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
/* Claim the monitoring run for snapshot version: *claimed = 1 for exactly
 * one caller across every process sharing the database. */
int st_db_monitor_claim(st_db *s, const char *snapshot, const char *by, int *claimed,
                           st_error *err);
int st_db_monitor_finish(st_db *s, const char *snapshot, long screened, long alerts,
                            st_error *err);

#endif

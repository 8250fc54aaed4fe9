/*
 * request.h - turning request bodies into screening queries.
 *
 * Design: pure functions over bytes and jansson values, no network and no
 * snapshot, so each is fuzzed on its own (fuzz/fuzz_server_request.c).
 * A parse either succeeds or names what was wrong in words a client can
 * act on ("queries.q1.properties.name: expected a string or an array of
 * strings") together with the HTTP status to answer.  Every count and
 * string length has a hard limit below.
 *
 * Ownership: an srv_query borrows its strings from the json_t it was
 * parsed from; keep that value alive while the query is used.
 */
#ifndef ST_SERVER_REQUEST_H
#define ST_SERVER_REQUEST_H

#include <stddef.h>

#include <jansson.h>

#define SRV_MAX_QUERIES 100     /* queries in one /match or /reconcile request */
#define SRV_MAX_VALUES 10       /* values of one property */
#define SRV_MAX_VALUE_LEN 1024  /* bytes in one value */
#define SRV_MAX_RESULTS 500     /* results in one answer: queries x limit */

typedef struct srv_query {
    const char *key;                     /* the client's name for the query ("q1") */
    const char *id;                      /* the subject's id when the client gives one */
    const char *schema;                  /* "Person", ... or NULL */
    const char *names[SRV_MAX_VALUES];
    int n_names;
    const char *birth_dates[SRV_MAX_VALUES];
    int n_birth_dates;
    const char *nationalities[SRV_MAX_VALUES];
    int n_nationalities;
    const char *countries[SRV_MAX_VALUES];
    int n_countries;
    const char *id_numbers[SRV_MAX_VALUES];
    int n_id_numbers;
    const char *wallets[SRV_MAX_VALUES];
    int n_wallets;
    int limit;                           /* reconciliation: results wanted, 0 default */
    char name_buf[SRV_MAX_VALUE_LEN];    /* firstName + lastName when no name is given */
} srv_query;

/* A parse failure: HTTP status (400, 413, 422), a short error code and
 * the detail. */
typedef struct srv_fail {
    int status;
    const char *error;   /* "invalid_json", "invalid_request", "too_many_queries" */
    char detail[384];
} srv_fail;

/* Parse body as JSON (at most len bytes); NULL with f filled on failure. */
json_t *srv_json_parse(const char *body, size_t len, srv_fail *f);

/* yente's /match body {"queries": {"q1": {"schema", "properties"}}}.
 * *queries gets a new array of *n (<= SRV_MAX_QUERIES) parsed queries,
 * the caller's to st_free(); returns 0 or the HTTP status with f filled. */
int srv_match_parse(json_t *body, srv_query **queries, size_t *n, srv_fail *f);

/* The W3C reconciliation "queries" object {"q0": {"query", "type",
 * "limit", "properties": [{"pid", "v"}]}}.  Same contract. */
int srv_reconcile_parse(json_t *queries, srv_query **out, size_t *n, srv_fail *f);

/* Is there anything to screen in q? */
int srv_query_empty(const srv_query *q);

/* The subject a decision is kept under: the client's id when given, else
 * "q:" + the 64 hex digits of a SHA-256 over a length-prefixed encoding of
 * every field (schema, names, birth dates, nationalities, countries, id
 * numbers, wallets; each value case- and space-normalised, each field's
 * values sorted), so the same person screened again finds the decision and
 * queries that differ in any field, or split their names differently,
 * never share one. */
void srv_query_subject(const srv_query *q, char out[80]);

/* Value of field name in an application/x-www-form-urlencoded body,
 * percent-decoded into out (NUL-terminated).  1 found, 0 absent, -1 when
 * the value does not fit in n bytes. */
int srv_form_value(const char *body, size_t len, const char *name, char *out, size_t n);

#endif

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
#define SRV_MAX_VALUES 200      /* values of one kind (names, birth dates, ...) in one query:
                                 * an enricher sends every alias of an entity */
#define SRV_MAX_REQUEST_VALUES 2000 /* values in one request, all queries together: each
                                 * name is screened on its own, so this bounds the work */
#define SRV_MAX_VALUE_LEN 1024  /* bytes in one value */
#define SRV_MAX_RESULTS 500     /* results in one answer: queries x limit */
#define SRV_MAX_LIMIT 500       /* /match ?limit= (yente's MAX_MATCHES) */
#define SRV_MAX_ARGS 128        /* query-string arguments of one request */
#define SRV_MAX_ARG_VALUES 50   /* values of one list parameter (yente: exclude_entity_ids <= 50) */
#define SRV_ALGORITHM "sanctrace" /* the one scorer served (/algorithms) */
#define SRV_MAX_TYPES 16        /* reconciliation: types of one query */
#define SRV_RECON_MAX_LIMIT 100 /* reconciliation: a larger limit is clamped to this */
#define SRV_MAX_CALLBACK 64     /* JSONP callback name, bytes */

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
    const char *types[SRV_MAX_TYPES];    /* reconciliation: the types asked for (any of them) */
    int n_types;
    char name_buf[SRV_MAX_VALUE_LEN];    /* firstName + lastName when no name is given */
} srv_query;

/* A parse failure: HTTP status (400, 413, 422), a short error code and
 * the detail. */
typedef struct srv_fail {
    int status;
    const char *error;   /* "invalid_json", "invalid_request", "too_many_queries" */
    char detail[384];
} srv_fail;

/* One query-string argument, as the HTTP layer hands them over (a name
 * may repeat: ?include_dataset=un&include_dataset=ofac). */
typedef struct srv_kv {
    const char *name, *value;
} srv_kv;

/* yente's /match query parameters.  Strings are borrowed from the args. */
typedef struct srv_match_params {
    double threshold;      /* results at or above it count in "total"; default 0.80 */
    double cutoff;         /* results listed from this score; default 0.5, never above threshold */
    int limit;             /* results per query, 1..SRV_MAX_LIMIT, default 5 */
    const char *algorithm; /* as asked ("best", "logic-v2", ...); scored by SRV_ALGORITHM */
    const char *include_dataset[SRV_MAX_ARG_VALUES];
    int n_include_dataset;
    const char *exclude_dataset[SRV_MAX_ARG_VALUES];
    int n_exclude_dataset;
    const char *exclude_schema[SRV_MAX_ARG_VALUES];
    int n_exclude_schema;
    const char *topics[SRV_MAX_ARG_VALUES];
    int n_topics;
    const char *exclude_entity_ids[SRV_MAX_ARG_VALUES];
    int n_exclude_entity_ids;
    const char *changed_since; /* YYYY-MM-DD[THH[:MM[:SS]]] or NULL */
} srv_match_params;

/* Read yente's /match parameters from args[0..n): threshold, cutoff,
 * limit, algorithm (unknown: 400, as yente), include_dataset,
 * exclude_dataset, exclude_schema, topics, changed_since (yente's pattern),
 * exclude_entity_ids.  Other arguments are ignored, as yente ignores them
 * (nomenklatura sends fuzzy=).  0, or the HTTP status with f filled. */
int srv_match_params_parse(const srv_kv *args, size_t n, srv_match_params *p, srv_fail *f);

/* yente's /search parameters beside /match's (threshold, cutoff,
 * include_dataset, exclude_dataset, exclude_schema, topics, changed_since,
 * exclude_entity_ids, read as srv_match_params_parse reads them): schema
 * (default Thing), countries, datasets and filter (FIELD:VALUE; without
 * ':' 400, as yente) (repeatable), filter_op (OR |
 * AND: how several values of countries, topics or datasets combine),
 * facets (repeatable: countries, topics, datasets, schema, identifiers,
 * genders; default the first three), limit 0..SRV_MAX_LIMIT (default 10;
 * 0 answers only total and facets), offset 0..SRV_MAX_OFFSET. */
#define SRV_MAX_OFFSET 9499     /* yente: MAX_RESULTS - MAX_PAGE */
typedef struct srv_search_params {
    srv_match_params m;
    const char *schema;
    const char *countries[SRV_MAX_ARG_VALUES];
    int n_countries;
    const char *datasets[SRV_MAX_ARG_VALUES];
    int n_datasets;
    const char *filters[SRV_MAX_ARG_VALUES]; /* filter=FIELD:VALUE (yente's), each holding a ':' */
    int n_filters;
    int filter_and;        /* filter_op=AND */
    int facets;            /* mask of srv_facet (yente.h) */
    int limit, offset;
} srv_search_params;

/* 0, or the HTTP status with f filled (an unknown facet or filter_op,
 * numbers out of range: 422, as yente's validation answers). */
int srv_search_params_parse(const srv_kv *args, size_t n, srv_search_params *p, srv_fail *f);

/* Is name an algorithm /match accepts?  "sanctrace", "best" and yente's
 * algorithm names are; all are scored by sanctrace's one scorer. */
int srv_algorithm_known(const char *name);

/* Parse body as JSON (at most len bytes); NULL with f filled on failure. */
json_t *srv_json_parse(const char *body, size_t len, srv_fail *f);

/* yente's /match body {"queries": {"q1": {"schema", "properties"}}}.
 * A property is a string, a number or an array of them (numbers are
 * rewritten as strings in body, which the queries then borrow).
 * *queries gets a new array of *n (<= SRV_MAX_QUERIES) parsed queries,
 * the caller's to st_free(); returns 0 or the HTTP status with f filled. */
int srv_match_parse(json_t *body, srv_query **queries, size_t *n, srv_fail *f);

/* The W3C reconciliation "queries" object {"q0": {"query", "type",
 * "limit", "properties": [{"pid", "v"}]}}.  Same contract, but as
 * OpenRefine sends them: "query" may be missing, blank or a number (a
 * query with nothing to screen is parsed, srv_query_empty, and answered
 * with no results: one blank cell never fails its batch), "type" a string
 * or an array (any of them; unknown types screen as untyped), "limit" above
 * SRV_RECON_MAX_LIMIT clamped, property values strings or numbers. */
int srv_reconcile_parse(json_t *queries, srv_query **out, size_t *n, srv_fail *f);

/* The query as yente echoes it: {"id", "schema", "properties"} with every
 * property an array of strings, each trimmed, its blanks collapsed, empty
 * and repeated values dropped; the name made from firstName / lastName
 * added.  qv is the query object srv_match_parse read q from.  New
 * reference, NULL without memory. */
json_t *srv_query_echo(json_t *qv, const srv_query *q);

/* Is name a safe JSONP callback: 1..SRV_MAX_CALLBACK bytes of letters,
 * digits, '_', '$' and '.', not starting with a digit or '.', no empty
 * segment?  Anything else could inject script into the answer. */
int srv_callback_valid(const char *name);

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

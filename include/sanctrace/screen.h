/*
 * screen.h - screening queries against a loaded list snapshot.
 *
 * Design: st_snapshot is an immutable, read-only view of one snapshot
 * (entities + candidate index).  Many threads may screen against one
 * snapshot at once; a server swaps in a new snapshot by pointer and frees
 * the old one when its last reader is done (reference count).
 */
#ifndef SANCTRACE_SCREEN_H
#define SANCTRACE_SCREEN_H

#include <stdio.h>

#include <jansson.h>

#include "sanctrace/entity.h"
#include "sanctrace/names.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct st_snapshot st_snapshot;

/* Open the current snapshot of data_dir (see `sanctrace update`).
 * *out holds one reference; release with st_snapshot_release. */
int st_snapshot_open(const char *data_dir, st_snapshot **out, st_error *err);
st_snapshot *st_snapshot_retain(st_snapshot *s);
void st_snapshot_release(st_snapshot *s);
const char *st_snapshot_version(const st_snapshot *s);   /* e.g. "20261128T223500Z-1" */
size_t st_snapshot_count(const st_snapshot *s);
const st_entity *st_snapshot_entity(const st_snapshot *s, size_t i);
/* By sanctrace's id or its FollowTheMoney form (st_entity_ftm_id); NULL when absent. */
const st_entity *st_snapshot_find(const st_snapshot *s, const char *id);
/* When the snapshots first held e and last changed it ("2026-11-28T22:35:00Z",
 * borrowed from s); ST_OK, or ST_ENOTFOUND for a snapshot written before
 * sanctrace kept these (both then NULL). */
int st_snapshot_entity_times(const st_snapshot *s, const st_entity *e, const char **first_seen,
                             const char **last_change);
/* Per-source summary as JSON: {"version", "created", "sources": {"un": {"entities", "fetched", "file"}, ...}}.
 * New reference; caller json_decref()s. */
json_t *st_snapshot_catalog(const st_snapshot *s);

/* One query.  Every field may be NULL/empty except that one of name,
 * wallet or id_number must be given. */
typedef struct st_query {
    const char *name;
    const char *schema;       /* "Person", "Organization", ... or NULL for any */
    const char *birth_date;   /* partial date */
    const char *nationality;  /* ISO or English name */
    const char *country;
    const char *id_number;    /* passport, IMO, registration ... */
    const char *wallet;       /* crypto address */
    const char *dataset;      /* restrict to a source ("un", "ofac"...), NULL for all */
} st_query;

typedef struct st_screen_opts {
    double threshold;         /* list results scoring at least this; <0: default */
    size_t limit;             /* at most this many results; 0: 10 (at most 500) */
    /* Both only cut the one sorted list: a result's score and match flag
     * are the same whatever threshold and limit are asked for. */
} st_screen_opts;

#define ST_DEFAULT_THRESHOLD ST_NAME_THRESHOLD /* names.h */

typedef struct st_match {
    const st_entity *entity;  /* borrowed from the snapshot */
    double score;             /* [0, 1] */
    int match;                /* score >= ST_DEFAULT_THRESHOLD */
    const char *name;         /* list name that matched, borrowed from entity */
    json_t *explanation;      /* owned by the st_match */
} st_match;

/* Screen q; *out receives an array of *n matches, best first, owned by the
 * caller (st_matches_free).  ST_EINVAL with err set when q has nothing to
 * screen. */
int st_screen(const st_snapshot *s, const st_query *q, const st_screen_opts *o,
              st_match **out, size_t *n, st_error *err);
void st_matches_free(st_match *m, size_t n);

/* The entity as FollowTheMoney JSON {"id","schema","caption",
 * "properties":{...},"datasets":[...]}, every property one its FtM schema
 * defines.  New reference. */
json_t *st_entity_to_ftm(const st_entity *e);
/* The entity id as FollowTheMoney's id pattern accepts it
 * (^[0-9a-zA-Z]([0-9a-zA-Z.-]*[0-9a-zA-Z])?$, at most ST_FTM_ID_MAX bytes):
 * "un:KPi.033" -> "un-KPi.033", "ofac:27307" -> "ofac-27307" (':' and '_'
 * as '-'); an id with other bytes, or too long, "<source>-x<32 hex of its
 * SHA-256>".  The same id always gives the same FtM id; st_snapshot_find
 * takes either.  Returns 1 when out differs from id, else 0. */
#define ST_FTM_ID_MAX 200
int st_entity_ftm_id(const char *id, char out[ST_FTM_ID_MAX + 1]);
/* The FollowTheMoney name of a schema: st_schema_name, except "Airplane"
 * for aircraft.  Static string. */
const char *st_schema_ftm_name(st_schema s);

/* ---- records to screen: CSV with a header or JSON lines (input.c) ------
 * One reader for both shapes: CSV with a header (id plus name | wallet |
 * id_number; schema, birth_date, nationality, country, address optional;
 * unknown columns ignored) and JSON lines with the same keys, told apart by
 * the first non-blank byte.  Each record is copied out, so the file buffer
 * can go; a bad record becomes an entry with `error` set (and its line)
 * instead of stopping the run, and reading resumes at the next line (the
 * malformed-record rule every sanctrace reader follows). */

typedef struct st_screen_record {
    long line;          /* 1-based line of the record in the input */
    char *id;           /* the caller's id; "line:<n>" when the input has none */
    int id_default;     /* id is the "line:<n>" default */
    char *name, *wallet, *id_number, *schema, *birth_date, *nationality, *country, *address;
    char *error;        /* non-NULL: the record cannot be screened, and why (the
                         * reason alone: line and id are beside it) */
    int malformed;      /* the record itself could not be read (CSV syntax,
                         * field count, size; a bad JSON line) */
} st_screen_record;

typedef struct st_screen_input {
    st_screen_record *recs;
    size_t n;
    int id_column;      /* CSV: the header names an id column; JSON lines: 1 */
} st_screen_input;

/* Parse data[0..len) (named `name` in messages).  Structural failures
 * (a CSV header without any screenable column) return ST_EPARSE with err
 * set; per-record problems land in recs[i].error. */
int st_screen_input_parse(const char *data, size_t len, const char *name,
                          st_screen_input *out, st_error *err);
void st_screen_input_free(st_screen_input *in);
/* View a record as a query (pointers borrowed from rec). */
void st_screen_record_query(const st_screen_record *rec, st_query *q);


/* ---- many records at once (batch.c) ------------------------------------ */

typedef struct st_screen_batch_opts {
    st_screen_opts opts;
    const char *dataset;      /* restrict to a source, or NULL */
    int threads;              /* worker threads including the caller's; <= 0: 1 */
    int progress;             /* show progress on a terminal */
} st_screen_batch_opts;

/* Called on the caller's thread once per record, in input order: its
 * candidates m[n] (valid only during the call) or the error that kept it
 * from being screened (the record's own, or the screening's).  A non-zero
 * return stops the batch and is returned by st_screen_batch. */
typedef int (*st_screen_each_fn)(void *ctx, const st_screen_record *rec, const st_match *m, size_t n,
                                 const char *error);

/* Screen recs[n] on opts->threads threads; results reach each() in input
 * order as soon as it is their turn, whatever the thread count, and are
 * freed after.  ST_OK, ST_ENOMEM, or each()'s non-zero return. */
int st_screen_batch(const st_snapshot *s, const st_screen_record *recs, size_t n,
                    const st_screen_batch_opts *opts, st_screen_each_fn each, void *ctx);

/* ---- writing results (output.c) --------------------------------------- */

typedef enum st_screen_format { ST_SCREEN_TABLE = 0, ST_SCREEN_JSONL, ST_SCREEN_CSV } st_screen_format;
/* "table", "jsonl" or "csv"; ST_EINVAL otherwise. */
int st_screen_format_parse(const char *name, st_screen_format *out);

/* A record's result written to a stream the caller keeps: JSON lines
 * (jansson's compact form, one object per record), CSV (a header, then a
 * row per candidate; text beginning with = + - @ TAB or CR gets a leading
 * ' so a spreadsheet shows it rather than runs it) or a table. */
typedef struct st_screen_writer st_screen_writer;
int st_screen_writer_new(st_screen_writer **out, FILE *f, st_screen_format fmt);
/* ST_OK, or ST_EIO once writing has failed. */
int st_screen_writer_put(st_screen_writer *w, const st_screen_record *rec, const st_match *m, size_t n,
                         const char *error);
/* Flush and free; ST_EIO when anything written was lost.  NULL allowed. */
int st_screen_writer_close(st_screen_writer *w);

#ifdef __cplusplus
}
#endif

#endif

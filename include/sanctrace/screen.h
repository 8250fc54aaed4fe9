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

#include <jansson.h>

#include "sanctrace/entity.h"
#include "sanctrace/names.h"

typedef struct st_snapshot st_snapshot;

/* Open the current snapshot of data_dir (see `sanctrace update`).
 * *out holds one reference; release with st_snapshot_release. */
int st_snapshot_open(const char *data_dir, st_snapshot **out, st_error *err);
st_snapshot *st_snapshot_retain(st_snapshot *s);
void st_snapshot_release(st_snapshot *s);
const char *st_snapshot_version(const st_snapshot *s);   /* e.g. "20261128T223500Z-1" */
size_t st_snapshot_count(const st_snapshot *s);
const st_entity *st_snapshot_entity(const st_snapshot *s, size_t i);
const st_entity *st_snapshot_find(const st_snapshot *s, const char *id); /* NULL when absent */
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
    size_t limit;             /* at most this many results; 0: 10 (at most 100) */
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

/* The entity as FollowTheMoney-shaped JSON {"id","schema","caption",
 * "properties":{...},"datasets":[...]}.  New reference. */
json_t *st_entity_to_ftm(const st_entity *e);

#endif

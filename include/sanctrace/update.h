/*
 * update.h - official sanctions list files in, a validated, versioned
 * snapshot out: what `sanctrace update` and the server's scheduled update
 * do, as one library call.
 *
 * Design.  Each source (un, ofac, ofac-cons, ofac-crypto, ftm) is found by
 * its official file names in the given folders, or downloaded through the
 * caller's fetch callback (the library links no HTTP client: the command
 * line passes libcurl, a test passes a copy from disk).  Each source is
 * parsed and validated on its own: one that fails to parse, or whose
 * entity count falls by more than half against the current snapshot (the
 * mark of a truncated download), is refused, and its entities from the
 * current snapshot are carried over unchanged; so are sources that were
 * not asked for or not found.  A new snapshot is written only when at
 * least one source was read, and becomes current atomically; the previous
 * one is kept.
 *
 * Ownership.  st_update hands the caller a report (st_update_report_free)
 * whenever it got far enough to say something about the sources, also
 * when it then fails; its strings and JSON live as long as the report.
 */
#ifndef SANCTRACE_UPDATE_H
#define SANCTRACE_UPDATE_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "sanctrace/sanctrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fetch url into the file at path (created by the callback).  ST_OK, or a
 * status with err saying what failed (ST_ENET for the network). */
typedef int (*st_fetch_fn)(void *ctx, const char *url, const char *path, st_error *err);

#define ST_UPDATE_MAX_DIRS 8
#define ST_UPDATE_NSOURCES 5

typedef struct st_update_opts {
    const char *data_dir;                 /* the snapshot store */
    const char *const *dirs;              /* folders of official files; none: download */
    size_t ndirs;                         /* at most ST_UPDATE_MAX_DIRS */
    const char *sources;                  /* "un,ofac,..." or NULL: every source found
                                             (downloading: un, ofac, ofac-cons, plus ftm
                                             when datasets are named) */
    const char *const *ftm_datasets;      /* OpenSanctions datasets to download */
    size_t nftm;                          /* at most ST_UPDATE_MAX_DIRS */
    st_fetch_fn fetch;                    /* needed when ndirs is 0 */
    void *fetch_ctx;
} st_update_opts;

typedef enum st_update_status {
    ST_UPDATE_ABSENT = 0, /* not asked for, not found, and not in the current snapshot */
    ST_UPDATE_UPDATED,    /* read and accepted */
    ST_UPDATE_KEPT,       /* carried over from the current snapshot */
    ST_UPDATE_REFUSED,    /* found but not accepted (reason says why); kept when it was there */
} st_update_status;

typedef struct st_update_source {
    const char *name;                     /* "un", "ofac", ... */
    st_update_status status;
    int refused;                          /* found but not accepted (also when KEPT) */
    int previous_kept;                    /* refused, and its previous entities carried over */
    char reason[700];                     /* why it was refused */
    json_t *info;                         /* manifest entry, or NULL (borrowed from the report) */
    const st_error *warnings;             /* the first warnings of its files */
    size_t n_warnings, n_warnings_total;
} st_update_source;

typedef struct st_update_report {
    st_update_source src[ST_UPDATE_NSOURCES];
    int n_updated, n_refused;
    int written;                          /* a new snapshot is current */
    int downloaded;                       /* the files came through fetch */
    char version[64], previous[64];       /* the new snapshot and the one before ("" if none) */
    size_t n_entities, added, removed, changed;
    json_t *sources;                      /* the manifest's per-source object */
    char note[512];                       /* what stays current when nothing was written */
    char warning[1024];                   /* the current snapshot could not be read ("" when it could) */
    void *priv;                           /* owned warning arrays */
} st_update_report;

/* Run one update.  ST_OK when it ran to the end: report->written says
 * whether a snapshot was written (not when no source could be read; note
 * then says what stays current).  Other statuses are failures with err
 * set (a usage error such as an unknown source is ST_EUSAGE; a failed
 * write leaves the current snapshot unchanged); *out is still set when a
 * report could be made, with note saying what stays current.
 * Afterwards, st_snapshot_open on data_dir builds the screening image now
 * rather than on the first screen. */
int st_update(const st_update_opts *opts, st_update_report **out, st_error *err);
void st_update_report_free(st_update_report *r);

/* What a person running an update must see, one "sanctrace: " line each,
 * in this order: the current snapshot's problem, the first three warnings
 * of each source (all with verbose), each refused source and why, err
 * (when a failure), and the note on what stays current.  r and err may be
 * NULL. */
void st_update_report_print(FILE *f, const st_update_report *r, const st_error *err, int verbose);

#ifdef __cplusplus
}
#endif

#endif

/*
 * rings.h - identity rings: group fabricated applicant identities into the
 * operations behind them, and explain each ring in the terms of the public
 * DPRK IT-worker advisories.
 *
 * Design: one st_rings context collects applicant records (CSV with a
 * header or JSON lines, several values per field separated by ';'),
 * normalises them, links them by shared rare values and near-duplicate
 * photos and résumés, clusters strong links while cutting bridges, and
 * scores each record and ring.  The result does not depend on the order
 * in which records were added: records are processed in id order and every
 * tie is broken by id.  A record added twice (same id) keeps its last
 * version.
 *
 * Ownership: the context owns everything it reads; st_rings_result()
 * returns a new JSON reference the caller json_decref()s.
 */
#ifndef SANCTRACE_RINGS_H
#define SANCTRACE_RINGS_H

#include <stdio.h>

#include <jansson.h>

#include "sanctrace/sanctrace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct st_rings st_rings;

/* Called once per malformed input row; the reader goes on with the next
 * row.  err carries file, line and reason. */
typedef void (*st_rings_warn_fn)(void *ctx, const st_error *err);

typedef struct st_rings_opts {
    const char *data_dir;     /* sanctions snapshot for the name indicator; NULL: none */
    const char *state_dir;    /* incremental state (records + ring ids); NULL: none */
    st_rings_warn_fn warn;    /* malformed rows; NULL: silent (still counted) */
    void *warn_ctx;
    int progress;             /* draw progress on a terminal */
    int state_readonly;       /* read the state (under its lock, released once read); never save it */
} st_rings_opts;

/* New context; opts is copied (its strings must outlive the context).
 * With a state_dir the records kept there are loaded first, under an
 * exclusive lock on state_dir/lock held until st_rings_save_state or
 * st_rings_free: a second context on the same folder waits for it. */
int st_rings_new(st_rings **out, const st_rings_opts *opts, st_error *err);
void st_rings_free(st_rings *r);

/* Add every record of a file ("-" for stdin).  Format by content: JSON
 * lines when the first non-blank byte is '{', CSV with a header otherwise.
 * Malformed rows go to opts->warn and are skipped; ST_OK even then.
 * Fatal problems (unreadable file, no id column) return an error. */
int st_rings_add_file(st_rings *r, const char *path, st_error *err);
/* Same over bytes in memory (name is used in messages). */
int st_rings_add_buffer(st_rings *r, const char *data, size_t len, const char *name,
                        st_error *err);

size_t st_rings_count(const st_rings *r);     /* records held */
size_t st_rings_rejected(const st_rings *r);  /* malformed rows skipped so far */

/* Link, cluster and score everything held.  Call once after the adds. */
int st_rings_run(st_rings *r, st_error *err);

/* {"operations": [...], "infrastructure": [...], "rings": [...],
 * "records": [...], "summary": {...}} as documented in docs/rings.md
 * (operations: rings of several personas with their hubs; infrastructure:
 * hubs, facilitators first; each ring's joins), streamed to f (a million records never sit in a JSON
 * tree).  ST_OK or ST_EIO/ST_ENOMEM. */
int st_rings_write_json(const st_rings *r, FILE *f);
/* The same document as a JSON tree, for small inputs and tests.  New
 * reference; NULL on allocation failure. */
json_t *st_rings_result(const st_rings *r);
/* Records at high risk (after st_rings_run). */
size_t st_rings_high(const st_rings *r);
/* The analyst's brief: operations and their infrastructure first, then
 * rings by risk, with evidence and indicators. */
int st_rings_write_table(const st_rings *r, FILE *f);
/* Persist records and ring ids into opts->state_dir (atomic writes) and
 * let the next run on that state go on (see st_rings_new: a run holds the
 * state folder from st_rings_new to here, or to st_rings_free). */
int st_rings_save_state(st_rings *r, st_error *err);

/* Hiring-time checks.  Call st_rings_check_begin after st_rings_new (which
 * loads the state) and before adding the records to check; after
 * st_rings_run, st_rings_write_check writes for each of them the ring it
 * would join (null when none), that ring's size and risk, the record's
 * risk, links and advisory indicators:
 *   {"checks": [{"id", "ring", "ring_records", "ring_records_in_state",
 *                "ring_personas", "ring_risk", "risk", "level",
 *                "linked_to": [...], "joins": [...], "indicators": [...]}],
 *    "summary": {"checked", "high", "state_records", "state_modified": false}}
 * Do not call st_rings_save_state: adding the records is a separate step.
 * st_rings_check_result returns the same as a new JSON reference. */
void st_rings_check_begin(st_rings *r);
int st_rings_write_check(const st_rings *r, FILE *f);
json_t *st_rings_check_result(const st_rings *r);
size_t st_rings_check_high(const st_rings *r);    /* checked records at high risk */

/* Checks in milliseconds against a large state.  A checker indexes a
 * context that has run (st_rings_run over the state's records) and
 * borrows it: the context must outlive the checker and not run again.
 * st_rings_checker_check reads records (CSV with a header or JSON lines)
 * from data and answers, without re-clustering and without changing the
 * state, *out a new reference the caller json_decref()s:
 *   {"checks": [{"id", "ring" (id or null), "joined_by" ("links",
 *                "operation evidence" or null), "ring_records",
 *                "ring_personas", "ring_risk", "new_ring_with": [ids],
 *                "also_links_rings": [ids], "risk", "level",
 *                "linked_to": [...], "indicators": [...]}],
 *    "summary": {"checked", "high", "rejected_rows", "state_records",
 *                "state_modified": false}}
 * A record that would bridge rings joins the largest and lists the
 * others; the exact answer is the re-running check above.  One check at
 * a time per checker (not thread-safe). */
typedef struct st_rings_checker st_rings_checker;
int st_rings_checker_new(st_rings_checker **out, st_rings *r, st_error *err);
int st_rings_checker_check(st_rings_checker *c, const char *data, size_t len, const char *name, json_t **out,
                           st_error *err);
void st_rings_checker_free(st_rings_checker *c);

/* Synthetic applicants with planted operations and shared-value traps.
 * Writes out_path (CSV) and truth_path (CSV: id,cluster,role).
 * names_dir: optional folder with FEBRL frequency tables (givenname-freq.csv,
 * surname-freq.csv); NULL uses built-in lists. */
typedef struct st_rings_synth_opts {
    size_t records;
    uint64_t seed;
    const char *names_dir;
    int progress;
} st_rings_synth_opts;
int st_rings_synth(const st_rings_synth_opts *o, const char *out_path, const char *truth_path,
                   st_error *err);

#ifdef __cplusplus
}
#endif

#endif

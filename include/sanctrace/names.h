/*
 * names.h - name normalisation, Korean-aware name comparison and the
 * candidate index the screening layer builds over every list name.
 *
 * Design: comparing two names is split in two steps so that screening
 * never pays for Unicode work per comparison.
 *   1. st_name_prepare() runs ICU once per name (NFKC, case folding,
 *      transliteration of non-Latin scripts, diacritics removal), splits it
 *      into tokens, weighs legal forms and titles, and parses Korean names
 *      into syllable keys.  The result, an st_name_form, is immutable.
 *   2. st_name_compare_forms() compares two prepared forms with plain C
 *      (no ICU, no allocation unless an explanation is asked for), so any
 *      number of threads may compare shared forms at once.
 * ICU transliterators are not thread-safe: each thread that prepares names
 * owns one st_names_ctx.  Scores are in [0, 1]; a pair is a match when the
 * score reaches ST_NAME_THRESHOLD, for persons and organisations alike.
 */
#ifndef SANCTRACE_NAMES_H
#define SANCTRACE_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sanctrace/entity.h"
#include "sanctrace/sanctrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The default decision threshold of st_name_compare*. */
#define ST_NAME_THRESHOLD 0.80

/* Hard limits: longer names are cut (the first bytes/tokens are kept). */
#define ST_NAME_MAX_BYTES 1024
#define ST_NAME_MAX_TOKENS 24

/* ---- per-thread context ------------------------------------------------ */

/* Holds the ICU transliterator and scratch buffers of one thread.
 * Owned by the caller; st_names_ctx_free releases it. */
typedef struct st_names_ctx st_names_ctx;

int st_names_ctx_new(st_names_ctx **out, st_error *err);
void st_names_ctx_free(st_names_ctx *ctx);

/* Normalised text of name (lower-case ASCII words separated by single
 * spaces, legal forms and titles kept) into out[n].  Returns ST_OK,
 * ST_ELIMIT when out is too small (out still NUL-terminated, cut). */
int st_name_normalize(st_names_ctx *ctx, const char *name, char *out, size_t n);

/* ---- prepared names ---------------------------------------------------- */

/* One name, prepared for comparison.  Immutable once made; may be shared by
 * any number of threads.  Owned by whoever prepared it (st_name_form_free),
 * or by the index that holds it. */
typedef struct st_name_form st_name_form;

/* Prepare name for schema (ST_SCHEMA_UNKNOWN when the caller does not
 * know whether it is a person or an organisation).  *out is owned by the
 * caller.  Never fails on content: empty or garbage input gives a form with
 * no tokens (which matches nothing); ST_ENOMEM on allocation failure. */
int st_name_prepare(st_names_ctx *ctx, const char *name, st_schema schema,
                    st_name_form **out);
void st_name_form_free(st_name_form *f);

/* The normalised text the form was built from (valid while f lives). */
const char *st_name_form_text(const st_name_form *f);
/* Number of tokens; 0 means the form can match nothing. */
size_t st_name_form_ntokens(const st_name_form *f);
/* 1 when the name was read as Korean (Hangul or romanised syllables). */
int st_name_form_is_korean(const st_name_form *f);

/* ---- comparison -------------------------------------------------------- */

/* Score query against a list name, in [0, 1].  schema is the list entity's
 * schema (or the query's, or UNKNOWN).  When explanation is non-NULL it
 * receives a new JSON object owned by the caller (json_decref):
 *   {"score": 0.93, "korean": true, "query": "...", "list": "...",
 *    "tokens": [{"query": "byeong", "list": "pyong",
 *                "how": "korean-syllable", "score": 1.0}, ...],
 *    "unmatched_query": [...], "unmatched_list": [...]}
 * "how" is one of: exact, korean-syllable, korean-partial, fuzzy, initial,
 * joined, transliterated. */
double st_name_compare_forms(const st_name_form *query, const st_name_form *list,
                             st_schema schema, json_t **explanation);

/* Convenience: prepare both names with ctx and compare.  Returns -1.0 on
 * allocation failure. */
double st_name_compare(st_names_ctx *ctx, const char *a, const char *b,
                       st_schema schema, json_t **explanation);

/* Jaro-Winkler similarity of a[la] and b[lb] (bytes), in [0, 1]: the plain
 * string measure other screening tools rank by (OFAC's Sanctions List
 * Search, Moov Watchman).  sanctrace does not screen by it; benchmarks and
 * the rings engine's fuzzy fields use it. */
double st_jaro_winkler(const char *a, size_t la, const char *b, size_t lb);

/* ---- candidate index --------------------------------------------------- */

/* An inverted index over every list name.  Build single-threaded
 * (st_name_index_add ... st_name_index_build), then query from any number
 * of threads, each with its own st_name_scratch.  The index owns the forms
 * it holds; st_name_index_form returns them borrowed (valid until
 * st_name_index_free). */
typedef struct st_name_index st_name_index;
typedef struct st_name_scratch st_name_scratch;

typedef struct st_name_cand {
    uint64_t payload;   /* the caller's value given to st_name_index_add */
    uint32_t name_idx;  /* index of the name in insertion order */
    float bound;        /* the index's cheap estimate, for ordering only */
} st_name_cand;

int st_name_index_new(st_name_index **out);
void st_name_index_free(st_name_index *ix);
/* Add one list name; prepared with ctx.  name_idx values are 0, 1, 2, ...
 * in call order. */
int st_name_index_add(st_name_index *ix, st_names_ctx *ctx, const char *name,
                      st_schema schema, uint64_t payload);
/* Freeze the index; call once after the last add, before any query. */
int st_name_index_build(st_name_index *ix);
size_t st_name_index_count(const st_name_index *ix);
const st_name_form *st_name_index_form(const st_name_index *ix, uint32_t name_idx);
uint64_t st_name_index_payload(const st_name_index *ix, uint32_t name_idx);

/* Per-thread query memory, sized for ix.  Owned by the caller. */
int st_name_scratch_new(const st_name_index *ix, st_name_scratch **out);
void st_name_scratch_free(st_name_scratch *s);

/* Up to k candidate names for query, best estimate first, into out[k];
 * *n receives the count.  Every list name whose st_name_compare_forms score
 * with query reaches ST_NAME_THRESHOLD is among the candidates unless more
 * than k names qualify.  The caller scores each candidate with
 * st_name_compare_forms(query, st_name_index_form(ix, c.name_idx), ...). */
int st_name_index_query(const st_name_index *ix, st_name_scratch *s,
                        const st_name_form *query, st_name_cand *out, size_t k,
                        size_t *n);

#ifdef __cplusplus
}
#endif

#endif

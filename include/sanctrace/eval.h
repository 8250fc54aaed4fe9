/*
 * eval.h - measuring sanctrace, not screening with it: the DPRK evaluation
 * deck behind `make eval`, `sanctrace eval deck` and `sanctrace eval-deck`.
 *
 * The deck writes each listed DPRK person's name through every
 * romanisation system, popular spellings, typos, reorderings, joining and
 * Hangul, beside generated innocents (South Korean names with their real
 * surname frequencies, and other nationalities), so recall and false
 * alarms can be counted on the lists themselves.  Kept out of names.h:
 * a program that screens never needs it.
 *
 * Ownership: decks and name lists handed out are the caller's
 * (st_deck_free, st_name_list_free).
 */
#ifndef SANCTRACE_EVAL_H
#define SANCTRACE_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sanctrace/names.h"
#include "sanctrace/sanctrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- evaluation deck (DPRK names) -------------------------------------- */

/* A generated query and the list name it was made from. */
typedef struct st_deck_item {
    char *name;        /* the generated spelling, owned by the deck */
    int32_t source;    /* index into the source names, -1 for innocents */
    const char *kind;  /* "dprk", "mr", "mr-plain", "rr", "popular", "typo",
                          "reorder", "joined", "hangul", "innocent-kr", ... */
} st_deck_item;

typedef struct st_deck {
    st_deck_item *items;
    size_t n;
} st_deck;

void st_deck_free(st_deck *d);

/* Variants of each romanised Korean person name in names[0..n): the name
 * written through each romanisation system and popular spellings, typos,
 * reorderings, hyphenation and joining.  Deterministic for a given seed.
 * Names that do not read as Korean produce no variants. */
int st_deck_variants(const char *const *names, size_t n, uint64_t seed,
                     st_deck *out);

/* count innocent names: South Korean names (surnames with their real
 * frequencies, plausible given names, RR and popular spellings) and
 * count/5 names of other nationalities.  Deterministic for a given seed. */
int st_deck_innocents(size_t count, uint64_t seed, st_deck *out);

/* names[0..n) with typing errors (errors: 1 or 2) struck on a QWERTY
 * keyboard: a neighbouring key, a dropped, swapped, doubled or added
 * letter, one in eight on a word's first letter; south != 0 first respells the
 * lists' DPRK words the South Korean way (Ri -> Lee, Chol -> Cheol) from a
 * table of its own.  Independent of the matcher's tables; one item per
 * name, source = its index; kinds "typo1-listed", "typo2-south", ...
 * Deterministic for a given seed. */
int st_deck_typos(const char *const *names, size_t n, unsigned errors, int south, uint64_t seed,
                  st_deck *out);

/* Figures of one deck run (brute force over names). */
typedef struct st_deck_report {
    size_t variants, variants_found, variants_best_is_source;
    size_t innocents_kr, innocents_kr_flagged;
    size_t innocents_other, innocents_other_flagged;
    double recall;          /* variants_found / variants */
    double fp_rate_kr;      /* innocents_kr_flagged / innocents_kr */
    double fp_rate_other;
} st_deck_report;

/* Generate the deck from names and score it by brute force at threshold.
 * Uses ctx for preparing.  per_kind, when non-NULL, receives a new JSON
 * object {"<kind>": {"n": .., "found": ..}, ...} (caller decrefs). */
int st_deck_evaluate(st_names_ctx *ctx, const char *const *names, size_t n,
                     size_t innocents, uint64_t seed, double threshold,
                     st_deck_report *rep, json_t **per_kind);

/* A growable list of owned strings. */
typedef struct st_name_list {
    char **v;
    size_t n, cap;
} st_name_list;
int st_name_list_push(st_name_list *l, const char *s); /* copies; skips duplicates */
void st_name_list_free(st_name_list *l);

/* The DPRK individuals' names for the deck, from any of: the UN
 * consolidated XML (KPi.* names and aliases), an OFAC sdn.csv (individuals
 * in DPRK programmes), a file with one name a line.  NULL paths are
 * skipped.  *out is owned by the caller (st_name_list_free). */
int st_deck_load_names(const char *un_xml, const char *ofac_sdn_csv, const char *lines_file,
                       st_name_list *out, st_error *err);

#ifdef __cplusplus
}
#endif

#endif
